import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Express } from 'express';
import { pino } from 'pino';
import { createHttpApp, startHttp, type HttpServerHandle } from '../../src/admin/api/http-app.js';
import { createMetrics } from '../../src/admin/api/metrics.js';
import { createTrackingRouter } from '../../src/admin/api/tracking-routes.js';
import { createGmailCallbackRouter } from '../../src/admin/api/gmail-callback-routes.js';
import type { ApiLimits } from '../../src/admin/api/v1/api-deps.js';
import { createApiV1Router } from '../../src/admin/api/v1/router.js';
import { openAuditLog, type AuditLog } from '../../src/admin/audit/audit-log.js';
import { envAdminToken } from '../../src/admin/auth/admin-token.js';
import { openTokenStore, type TokenStore } from '../../src/admin/auth/token-store.js';
import { newQueueId } from '../../src/core/ids.js';
import type { QueuedMessage } from '../../src/core/types.js';
import { openQueue, type LmdbQueue } from '../../src/queue/lmdb-queue.js';
import { openTenantStore, type TenantStore } from '../../src/tenants/lmdb-tenant-store.js';
import { openCaptureMailbox } from '../../src/transports/capture/capture-mailbox.js';
import { nextMillisecond } from './wait-for.js';
import { storageAt } from './temp-storage.js';

/** Test code reads response JSON freely. */
export type Json = any;

export interface ApiResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly body: Json;
}

export interface CallOptions {
  readonly token?: string;
  /** Extra request headers (X-Forwarded-For …). */
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
  /** Sent as it is, with `contentType` (default application/json). */
  readonly raw?: string;
  readonly contentType?: string;
}

export interface ApiHarness {
  readonly base: string;
  readonly app: Express;
  readonly adminToken: string;
  readonly tenants: TenantStore;
  readonly queue: LmdbQueue;
  readonly tokens: TokenStore;
  readonly audit: AuditLog;
  /** Every log line of the app (level trace). */
  readonly logLines: string[];
  /** Every response text the harness saw. */
  readonly responses: string[];
  /** Moves the API's clock (token expiry) forward. */
  advance(ms: number): void;
  call(method: string, path: string, opts?: CallOptions): Promise<ApiResponse>;
  /** A tenant made over the API, with a tenant token. */
  tenant(name: string): Promise<{ id: string; password: string; token: string; tokenId: string }>;
  enqueue(tenantId: string, opts?: { to?: string[]; subject?: string }): Promise<QueuedMessage>;
  close(): Promise<void>;
}

export const ADMIN_TOKEN = 'test-admin-token-0123456789-abcdefghijklmnopqrstuvwxyz';

/**
 * The real app (createHttpApp with the /api/v1 router and the dev mailbox) over real LMDB
 * stores in a temp folder, on 127.0.0.1:0.
 */
export async function startApiHarness(
  opts: { limits?: Partial<ApiLimits>; trustedProxies?: readonly string[] } = {},
): Promise<ApiHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'postbode-api-'));
  const logLines: string[] = [];
  const responses: string[] = [];
  const logger = pino(
    { level: 'trace' },
    {
      write: (line: string) => {
        logLines.push(line);
      },
    },
  );
  let offset = 0;
  const clock = (): number => Date.now() + offset;
  const tenants = openTenantStore(storageAt(dir));
  const queue = openQueue({
    storage: storageAt(dir),
    retry: { initialDelayMs: 60_000, maxDelayMs: 600_000, maxAgeMs: 3_600_000, jitter: 0 },
    logger,
  });
  const tokens = openTokenStore(storageAt(dir));
  const audit = openAuditLog(storageAt(dir));
  const router = createApiV1Router({
    tenants,
    tokens,
    audit,
    messages: queue,
    envAdmin: envAdminToken(ADMIN_TOKEN),
    logger,
    clock,
    limits: opts.limits,
    secrets: { keyFingerprint: () => 'sha256:test-fingerprint' },
  });
  const metrics = createMetrics({ depth: () => queue.depth() });
  const app = createHttpApp({
    registry: metrics.registry,
    logger,
    mailbox: openCaptureMailbox(join(dir, 'mailbox')),
    apiV1: router,
    mailboxAccess: { listenerIsLoopback: true, isAdmin: async (bearer) => bearer === ADMIN_TOKEN },
    health: () => ({ ok: true, details: {} }),
    ...(opts.trustedProxies ? { trustedProxies: opts.trustedProxies } : {}),
    // The public pixel route, so that the sweep sees it (no open is ever recorded here).
    tracking: createTrackingRouter({
      key: Buffer.alloc(32, 1),
      opens: {
        record: async () => {
          throw new Error('unused');
        },
      },
      messages: queue,
      clock,
      logger,
    }),
    // The public Gmail OAuth callback, so that the sweep sees it (no link is ever completed here).
    oauthGoogle: createGmailCallbackRouter({
      links: {
        complete: async () => {
          throw new Error('unused');
        },
      },
      logger,
      clock,
    }),
  });
  const server: HttpServerHandle = await startHttp(app, 0, '127.0.0.1');
  const base = `http://127.0.0.1:${server.port}`;

  const call = async (method: string, path: string, o: CallOptions = {}): Promise<ApiResponse> => {
    const headers: Record<string, string> = { ...o.headers };
    if (o.token !== undefined) headers.authorization = `Bearer ${o.token}`;
    const payload = o.raw ?? (o.body === undefined ? undefined : JSON.stringify(o.body));
    if (payload !== undefined) headers['content-type'] = o.contentType ?? 'application/json';
    const res = await fetch(`${base}${path}`, { method, headers, body: payload });
    const text = await res.text();
    responses.push(text);
    let body: Json;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: res.status, headers: res.headers, text, body };
  };

  return {
    base,
    app,
    adminToken: ADMIN_TOKEN,
    tenants,
    queue,
    tokens,
    audit,
    logLines,
    responses,
    call,
    advance(ms) {
      offset += ms;
    },
    async tenant(name) {
      const made = await call('POST', '/api/v1/tenants', { token: ADMIN_TOKEN, body: { name } });
      if (made.status !== 201) throw new Error(`tenant create: ${made.status} ${made.text}`);
      const tok = await call('POST', `/api/v1/tenants/${made.body.tenant.id}/tokens`, { token: ADMIN_TOKEN, body: {} });
      if (tok.status !== 201) throw new Error(`token create: ${tok.status} ${tok.text}`);
      return {
        id: made.body.tenant.id,
        password: made.body.smtp.password,
        token: tok.body.token,
        tokenId: tok.body.id,
      };
    },
    async enqueue(tenantId, o = {}) {
      // Ids sort by their millisecond only: a new one each time keeps "newest first" exact.
      await nextMillisecond();
      const now = clock();
      const id = newQueueId(now);
      const to = o.to ?? ['klant@example.com'];
      const body = Buffer.from(`Subject: ${o.subject ?? 'Factuur 1'}\r\nMessage-ID: <${id}@test>\r\n\r\nHallo\r\n`);
      return queue.enqueue(
        {
          id,
          tenantId,
          kind: 'mail',
          envelope: { from: 'facturen@acme.example', to },
          receivedAt: now,
          client: { address: '127.0.0.1', helo: 'client.test' },
          messageId: `<${id}@test>`,
          subject: o.subject ?? 'Factuur 1',
        },
        body,
      );
    },
    async close() {
      await server.close();
      await Promise.all([tenants.close(), queue.close(), tokens.close(), audit.close()]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
