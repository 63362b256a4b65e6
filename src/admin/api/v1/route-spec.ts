import { z } from 'zod';
import type { Principal } from '../../auth/principal.js';
import { fieldErrors, invalidRequest, type FieldErrors } from './api-errors.js';

/**
 * One API route as data: method, path, who may call it, the zod schemas of its input and
 * output, and its handler. The same object builds the Express route (router.ts) and the
 * OpenAPI document (openapi.ts), so the documentation cannot drift from the checks.
 */
export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** admin: admin tokens only. tenant: admin, or a tenant token (the handler scopes it to its tenant). */
export type Access = 'admin' | 'tenant';

export interface ResponseSpec {
  readonly description: string;
  readonly schema?: z.ZodType;
  /** A body that is not JSON (`text/csv`): documented as a string of this media type. */
  readonly contentType?: string;
}

export interface RouteContext<P, Q, B> {
  readonly principal: Principal;
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  readonly now: number;
}

/** What a mutating request changed, for the audit log (defaults: `:id`, the body's field names). */
export interface AuditInfo {
  readonly targetId?: string;
  readonly tenantId?: string;
  readonly fieldsChanged?: readonly string[];
}

export interface RouteReply {
  readonly status: number;
  /** JSON body; none for 204. */
  readonly body?: unknown;
  readonly audit?: AuditInfo;
  /** A body sent as it is instead of JSON (a CSV export); `filename` makes it a download. */
  readonly raw?: { readonly contentType: string; readonly text: string; readonly filename?: string };
  /** Headers beside the body (a CSV export's next cursor). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Set-Cookie values (the Gmail link flow's browser binding); never a credential of the API. */
  readonly setCookies?: readonly string[];
}

const NO_INPUT = z.strictObject({});
type NoInput = typeof NO_INPUT;

export interface RouteSpec<P extends z.ZodObject, Q extends z.ZodObject, B extends z.ZodType> {
  readonly method: HttpMethod;
  /** Express path under /api/v1, e.g. `/tenants/:id`. */
  readonly path: string;
  readonly summary: string;
  readonly description?: string;
  readonly tag: string;
  readonly access: Access;
  readonly params?: P;
  readonly query?: Q;
  readonly body?: B;
  readonly responses: Readonly<Record<number, ResponseSpec>>;
  handle(ctx: RouteContext<z.output<P>, z.output<Q>, z.output<B>>): Promise<RouteReply>;
}

export interface RawInput {
  readonly params: unknown;
  readonly query: unknown;
  readonly body: unknown;
}

/** A route with its types erased, so that routes of any shape sit in one list. */
export interface ApiRoute {
  readonly method: HttpMethod;
  readonly path: string;
  readonly summary: string;
  readonly description?: string;
  readonly tag: string;
  readonly access: Access;
  /** Always objects (z.strictObject): the OpenAPI generator lists their keys as parameters. */
  readonly params: z.ZodObject;
  readonly query: z.ZodObject;
  /** Only for routes that take a body (the OpenAPI requestBody). */
  readonly body?: z.ZodType;
  readonly responses: Readonly<Record<number, ResponseSpec>>;
  /** Validates the input (400 with every bad field) and runs the handler. */
  run(input: RawInput, principal: Principal, now: number): Promise<RouteReply>;
}

export function defineRoute<
  P extends z.ZodObject = NoInput,
  Q extends z.ZodObject = NoInput,
  B extends z.ZodType = NoInput,
>(spec: RouteSpec<P, Q, B>): ApiRoute {
  const params: z.ZodObject = spec.params ?? NO_INPUT;
  const query: z.ZodObject = spec.query ?? NO_INPUT;
  return {
    method: spec.method,
    path: spec.path,
    summary: spec.summary,
    description: spec.description,
    tag: spec.tag,
    access: spec.access,
    params,
    query,
    body: spec.body,
    responses: spec.responses,
    async run(input, principal, now) {
      const fields: FieldErrors = {};
      const p = parseInto(spec.params ?? NO_INPUT, input.params, 'params', fields);
      const q = parseInto(spec.query ?? NO_INPUT, input.query, 'query', fields);
      // No body means `{}`: a route without a body schema still refuses one with fields in it.
      const b = parseInto(spec.body ?? NO_INPUT, input.body ?? {}, 'body', fields);
      if (!p.ok || !q.ok || !b.ok) throw invalidRequest(fields);
      // The values came out of these very schemas (NO_INPUT only where the spec has none,
      // and then P/Q/B are NoInput by their defaults): the casts only restore the erased types.
      const reply = await spec.handle({
        principal,
        params: p.value as z.output<P>,
        query: q.value as z.output<Q>,
        body: b.value as z.output<B>,
        now,
      });
      const fieldsChanged = reply.audit?.fieldsChanged ?? (isRecord(b.value) ? Object.keys(b.value) : []);
      return { ...reply, audit: { ...reply.audit, fieldsChanged } };
    },
  };
}

type Parsed = { readonly ok: true; readonly value: unknown } | { readonly ok: false };

function parseInto(schema: z.ZodType, value: unknown, where: string, fields: FieldErrors): Parsed {
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, value: result.data };
  fieldErrors(where, result.error.issues, fields);
  return { ok: false };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
