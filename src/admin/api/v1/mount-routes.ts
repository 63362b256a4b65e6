import type { Request, Response, Router } from 'express';
import type { AuditLog } from '../../audit/audit-log.js';
import { actorOf, type Principal } from '../../auth/principal.js';
import type { Clock } from '../../../core/clock.js';
import type { Logger } from '../../../core/logger.js';
import { forbidden, httpErrorOf, notFound } from './api-errors.js';
import { principalOf } from './auth-middleware.js';
import { requireJsonBody } from './json-body.js';
import { localiseReply, markLanguage, requestLanguage } from './localise.js';
import type { ApiRoute, RouteReply } from './route-spec.js';

export interface MountDeps {
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * Adds each route to the router (which must already authenticate). Every request that
 * changes something is written to the audit log before it is answered, failed ones too.
 */
export function mountRoutes(router: Router, routes: readonly ApiRoute[], deps: MountDeps): void {
  for (const route of routes) {
    router[route.method](route.path, async (req: Request, res: Response) => {
      const principal = principalOf(res);
      const now = deps.clock();
      let reply: RouteReply;
      try {
        checkAccess(route, principal, req.params);
        if (route.body !== undefined) requireJsonBody(req);
        reply = await route.run({ params: req.params, query: req.query, body: req.body }, principal, now);
      } catch (err) {
        if (route.method !== 'get') await audit(deps, route, req, principal, now, httpErrorOf(err)?.status ?? 500, {});
        throw err;
      }
      if (route.method !== 'get') await audit(deps, route, req, principal, now, reply.status, reply.audit ?? {});
      if (reply.setCookies) res.append('Set-Cookie', [...reply.setCookies]);
      for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
      if (reply.raw) {
        sendRaw(res, reply.status, reply.raw);
        return;
      }
      if (reply.body === undefined) {
        res.status(reply.status).end();
        return;
      }
      const lang = requestLanguage(req);
      markLanguage(res, lang);
      res.status(reply.status).json(localiseReply(reply.body, lang));
    });
  }
}

function sendRaw(res: Response, status: number, raw: NonNullable<RouteReply['raw']>): void {
  if (raw.filename !== undefined) res.attachment(raw.filename);
  res.status(status).type(raw.contentType).send(raw.text);
}

/**
 * Admin-only routes refuse tenant tokens. Under /tenants/:id another tenant's id answers
 * 404 like any object of another tenant (never 403, which would confirm that it exists);
 * only the caller's own tenant gets 403.
 */
function checkAccess(route: ApiRoute, principal: Principal, params: Readonly<Record<string, unknown>>): void {
  if (route.access === 'tenant' || principal.kind === 'admin') return;
  if (route.path.startsWith('/tenants/:id') && params.id !== principal.tenantId) throw notFound();
  throw forbidden();
}

async function audit(
  deps: MountDeps,
  route: ApiRoute,
  req: Request,
  principal: Principal,
  at: number,
  status: number,
  info: NonNullable<RouteReply['audit']>,
): Promise<void> {
  const params = stringParams(req.params);
  const tenantId =
    info.tenantId ??
    (principal.kind === 'tenant' ? principal.tenantId : route.path.startsWith('/tenants/:id') ? params.id : undefined);
  try {
    await deps.audit.record({
      at,
      actor: actorOf(principal),
      method: route.method.toUpperCase(),
      route: route.path,
      status,
      targetId: info.targetId ?? params.tokenId ?? params.id ?? '',
      fieldsChanged: status < 400 ? (info.fieldsChanged ?? []) : [],
      ...(tenantId === undefined ? {} : { tenantId }),
    });
  } catch (err) {
    // The change itself is done: answer it, but make the missing audit entry loud.
    deps.logger.error({ err, route: route.path, method: route.method }, 'could not write the audit log');
  }
}

/** Route parameters that are plain strings (a `{*rest}` wildcard would give an array). */
function stringParams(params: Readonly<Record<string, unknown>>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(params).filter((e): e is [string, string] => typeof e[1] === 'string'));
}
