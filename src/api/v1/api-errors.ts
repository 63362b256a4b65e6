import type { ErrorRequestHandler } from 'express';
import type { z } from 'zod';
import { isGatewayError } from '../../core/gateway-error.js';

/** A JSON error answer. Every API error body has a stable `error` string. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly body: { readonly error: string } & Record<string, unknown>) {
    super(body.error);
    this.name = 'ApiError';
  }
}

/** `{ 'body.name': ['why', ...] }`: one key per bad field, named by where it came from. */
export type FieldErrors = Record<string, string[]>;

export const notFound = (): ApiError => new ApiError(404, { error: 'not_found' });
export const forbidden = (message?: string): ApiError => new ApiError(403, { error: 'forbidden', ...(message === undefined ? {} : { message }) });
export const conflict = (message: string): ApiError => new ApiError(409, { error: 'conflict', message });
/** 409 for a name that is taken or reserved: the same words whoever holds it. */
export const notAvailable = (message: string): ApiError => new ApiError(409, { error: 'not_available', message });
export const invalidRequest = (fields: FieldErrors): ApiError => new ApiError(400, { error: 'invalid_request', fields });
/** 429; the handler turns `retryAfterSeconds` into the Retry-After header. */
export const rateLimited = (waitMs: number, message: string): ApiError =>
  new ApiError(429, { error: 'rate_limited', message, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) });

/** zod issues → field errors under `prefix` (params, query or body); an unknown key is its own field. */
export function fieldErrors(prefix: string, issues: readonly z.core.$ZodIssue[], into: FieldErrors = {}): FieldErrors {
  const add = (path: readonly PropertyKey[], message: string): void => {
    const key = [prefix, ...path.map(String)].join('.');
    (into[key] ??= []).push(message);
  };
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) add([...issue.path, key], 'unknown field');
    } else {
      add(issue.path, issue.message);
    }
  }
  return into;
}

/** The HTTP answer for an error, or undefined for an unexpected one (a 500, logged by the app). */
export function httpErrorOf(err: unknown): ApiError | undefined {
  if (err instanceof ApiError) return err;
  if (isGatewayError(err)) {
    switch (err.code) {
      case 'E_NOT_FOUND': case 'E_TENANT_UNKNOWN': case 'E_MESSAGE_UNKNOWN': return notFound();
      case 'E_CONFLICT': case 'E_TENANT_EXISTS': return conflict(err.message);
      case 'E_NOT_AVAILABLE': return notAvailable(err.message);
      case 'E_INVALID': return invalidRequest({ body: [err.message] });
      default: return undefined;
    }
  }
  return bodyParserError(err);
}

/** express.json's http-errors: too large, malformed JSON, unsupported charset. */
function bodyParserError(err: unknown): ApiError | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { type, status } = err as { type?: unknown; status?: unknown };
  if (type === 'entity.too.large') return new ApiError(413, { error: 'payload_too_large' });
  if (type === 'entity.parse.failed') return invalidRequest({ body: ['not valid JSON'] });
  if (typeof status === 'number' && status >= 400 && status < 500) return new ApiError(status, { error: 'bad_request' });
  return undefined;
}

/** JSON errors for everything the API raises; anything unexpected goes on to the app's 500 handler. */
export const apiErrorHandler: ErrorRequestHandler = (err, _req, res, next) => {
  const known = httpErrorOf(err);
  if (!known || res.headersSent) {
    next(err);
    return;
  }
  if (typeof known.body.retryAfterSeconds === 'number') res.set('Retry-After', String(known.body.retryAfterSeconds));
  res.status(known.status).json(known.body);
};
