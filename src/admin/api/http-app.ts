import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express, type NextFunction, type Request, type Response, type Router } from 'express';
import type { Registry } from 'prom-client';
import type { Logger } from '../../core/logger.js';
import type { CaptureMailbox } from '../../core/dev-mailbox.js';
import { devMailboxGuard, type DevMailboxAccess } from './dev-mailbox-access.js';
import { createDevMailboxRouter } from './dev-mailbox-routes.js';
import { securityHeaders } from './security-headers.js';
import { trustProxySetting } from './trusted-proxies.js';
import { createWebRouter } from '../web/web-router.js';

export interface HealthReport {
  readonly ok: boolean;
  readonly details: Record<string, unknown>;
}

/** Not ready carries a stable reason (e.g. `disk_below_watermark`) and what explains it. */
export type Readiness =
  | { readonly ready: true }
  | { readonly ready: false; readonly reason: string; readonly details?: Record<string, unknown> };

export interface HttpAppDeps {
  readonly registry: Registry;
  readonly health: () => HealthReport;
  /** GET /readyz: may this instance take new mail now (a load balancer's question); always ready when absent. */
  readonly ready?: () => Readiness;
  /** Given in capture mode: serves the dev mailbox pages under /dev/mailbox. */
  readonly mailbox?: CaptureMailbox;
  /** Who may read the dev mailbox; absent = nobody (fails closed). */
  readonly mailboxAccess?: DevMailboxAccess;
  readonly logger: Logger;
  /** The Config API router (bearer auth, validation, OpenAPI), mounted at /api/v1. */
  readonly apiV1?: Router;
  /** The public open-tracking pixel route (src/admin/api/tracking-routes.ts), mounted at /t. */
  readonly tracking?: Router;
  /**
   * The public Google OAuth callback of Gmail mode (src/admin/api/gmail-callback-routes.ts), mounted at /oauth/google.
   */
  readonly oauthGoogle?: Router;
  /** The public Microsoft OAuth callback of Microsoft 365 mode, mounted at /oauth/microsoft. */
  readonly oauthMicrosoft?: Router;
  /** http.trustedProxies: only these peers' X-Forwarded-For sets `req.ip` (throttles key on it). */
  readonly trustedProxies?: readonly string[];
  /**
   * The public confirmation page of reply-forwarding addresses (src/admin/api/reply-address-routes.ts), mounted at
   * /reply-address.
   */
  readonly replyAddress?: Router;
}

const NOBODY: DevMailboxAccess = { listenerIsLoopback: false, isAdmin: async () => false };

/** Health, metrics, the dev mailbox, and the mount point of the Config API. No sockets here. */
export function createHttpApp(deps: HttpAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', trustProxySetting(deps.trustedProxies ?? []));
  app.use(securityHeaders);

  app.get('/healthz', (_req, res) => {
    const report = safeHealth(deps);
    res.set('Cache-Control', 'no-store');
    res.status(report.ok ? 200 : 503).json({ ...report.details, status: report.ok ? 'ok' : 'unavailable' });
  });
  app.get('/readyz', (_req, res) => {
    const state = deps.ready?.() ?? { ready: true };
    res.set('Cache-Control', 'no-store');
    res
      .status(state.ready ? 200 : 503)
      .json(state.ready ? { ready: true } : { ready: false, reason: state.reason, ...state.details });
  });
  app.get('/metrics', async (_req, res) => {
    const text = await deps.registry.metrics();
    res.set('Cache-Control', 'no-store');
    res.type(deps.registry.contentType).send(text);
  });
  if (deps.mailbox)
    app.use('/dev/mailbox', devMailboxGuard(deps.mailboxAccess ?? NOBODY), createDevMailboxRouter(deps.mailbox));
  // The Config API of a later issue lives here, with its own auth and body parsing.
  if (deps.apiV1) app.use('/api/v1', deps.apiV1);
  if (deps.tracking) app.use('/t', deps.tracking);
  if (deps.oauthGoogle) app.use('/oauth/google', deps.oauthGoogle);
  if (deps.oauthMicrosoft) app.use('/oauth/microsoft', deps.oauthMicrosoft);
  if (deps.replyAddress) app.use('/reply-address', deps.replyAddress);
  // The settings page (src/admin/web): a static shell that calls /api/v1 with the user's token.
  app.use(createWebRouter());

  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });
  app.use(errorHandler(deps.logger));
  return app;
}

function safeHealth(deps: HttpAppDeps): HealthReport {
  try {
    return deps.health();
  } catch (err) {
    deps.logger.error({ err }, 'health check failed');
    return { ok: false, details: { error: 'health check failed' } };
  }
}

/**
 * Last in the chain: client errors raised by parsers keep their 4xx; anything else is
 * logged in full and answered with a bare 500, never a stack trace.
 */
function errorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const status = clientErrorStatus(err);
    if (status !== undefined) {
      res.status(status).json({ error: 'bad_request' });
      return;
    }
    logger.error({ err, method: req.method, path: req.path }, 'http request failed');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.status(500).json({ error: 'internal_error' });
  };
}

/** http-errors style errors (body-parser): `status` 4xx with `expose` set. */
function clientErrorStatus(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { status, expose } = err as { status?: unknown; expose?: unknown };
  return typeof status === 'number' && status >= 400 && status < 500 && expose === true ? status : undefined;
}

export interface HttpServerHandle {
  readonly port: number;
  /** Stops accepting, lets requests in progress finish, then drops lingering keep-alive sockets. */
  close(graceMs?: number): Promise<void>;
}

export function startHttp(app: Express, port: number, host: string): Promise<HttpServerHandle> {
  const server = createServer(app);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const { port: bound } = server.address() as AddressInfo;
      resolve({ port: bound, close: (graceMs = 5000) => closeServer(server, graceMs) });
    });
  });
}

function closeServer(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    force.unref();
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}
