import type { Request, RequestHandler } from 'express';
import { isLoopbackAddress } from '../../config/http-host.js';

export interface DevMailboxAccess {
  /** The HTTP listener is bound to a loopback address (then only this machine can connect). */
  readonly listenerIsLoopback: boolean;
  /** True when the bearer token is an admin token. */
  readonly isAdmin: (bearer: string) => Promise<boolean>;
}

/**
 * The dev mailbox shows every tenant's captured mail. Open without a token only when both
 * the listener and the caller are on loopback (the local developer of the quick start);
 * otherwise it needs `Authorization: Bearer <admin token>`. Answered 401 like the Config API.
 */
export function devMailboxGuard(access: DevMailboxAccess): RequestHandler {
  return async (req, res, next) => {
    if (access.listenerIsLoopback && isLoopbackAddress(req.socket.remoteAddress)) return next();
    const bearer = bearerOf(req);
    if (bearer !== undefined && (await access.isAdmin(bearer))) return next();
    res.set('WWW-Authenticate', 'Bearer realm="postbode"');
    res.set('Cache-Control', 'no-store');
    res.status(401).json({
      error: 'unauthorized',
      message: 'the dev mailbox needs the admin token when it is reachable from other machines',
    });
  };
}

function bearerOf(req: Request): string | undefined {
  const header = req.get('authorization');
  const match = header === undefined ? null : /^Bearer +(\S+) *$/i.exec(header);
  return match?.[1];
}
