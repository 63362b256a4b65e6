import type { Request, RequestHandler, Response } from 'express';
import type { Authenticated } from '../../auth/authenticator.js';
import type { Principal } from '../../auth/principal.js';
import type { Clock } from '../../../core/clock.js';
import { TokenBuckets } from './rate-limit.js';

export interface AuthLimits {
  /** Requests per second per token, and the burst a token may use at once. */
  readonly perTokenPerSecond: number;
  readonly perTokenBurst: number;
  /** Failed authentications per client address: burst, then this many per second. */
  readonly authFailuresBurst: number;
  readonly authFailuresPerSecond: number;
}

/**
 * Bearer authentication for everything after it: 401 without a valid token, 429 when the
 * token is over its rate or the client address has failed too often. Sets
 * `res.locals.principal`. Runs before the body is parsed: strangers cost no JSON parsing.
 */
export function bearerAuth(deps: {
  readonly authenticate: (bearer: string) => Promise<Authenticated | undefined>;
  readonly limits: AuthLimits;
  readonly clock: Clock;
}): RequestHandler {
  const perToken = new TokenBuckets(deps.limits.perTokenPerSecond, deps.limits.perTokenBurst);
  const failures = new TokenBuckets(deps.limits.authFailuresPerSecond, deps.limits.authFailuresBurst);
  return async (req, res, next) => {
    // req.ip: the socket peer, or the client behind one of http.trustedProxies (http-app.ts).
    const ip = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const now = deps.clock();
    const blockedMs = failures.wait(ip, now);
    if (blockedMs > 0) return rateLimited(res, blockedMs);
    const bearer = bearerOf(req);
    const result = bearer === undefined ? undefined : await deps.authenticate(bearer);
    if (!result) {
      if (bearer !== undefined) failures.take(ip, now);
      res.set('WWW-Authenticate', 'Bearer realm="postbode"');
      res.status(401).json({ error: 'unauthorized' });
      return;
    }
    const waitMs = perToken.take(result.rateKey, now);
    if (waitMs > 0) return rateLimited(res, waitMs);
    res.locals.principal = result.principal;
    next();
  };
}

/** The principal the auth middleware set; throws when a route is mounted before it (a bug). */
export function principalOf(res: Response): Principal {
  const value: unknown = res.locals.principal;
  if (isPrincipal(value)) return value;
  throw new Error('route reached without authentication');
}

function isPrincipal(value: unknown): value is Principal {
  if (typeof value !== 'object' || value === null) return false;
  const kind = (value as { kind?: unknown }).kind;
  return kind === 'admin' || kind === 'tenant';
}

function bearerOf(req: Request): string | undefined {
  const header = req.get('authorization');
  const match = header === undefined ? null : /^Bearer +(\S+) *$/i.exec(header);
  return match?.[1];
}

function rateLimited(res: Response, waitMs: number): void {
  res.set('Retry-After', String(Math.max(1, Math.ceil(waitMs / 1000))));
  res.status(429).json({ error: 'rate_limited' });
}
