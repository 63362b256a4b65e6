import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type pg from 'pg';
import type { Config } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import { GatewayError } from '../core/gateway-error.js';
import type { Logger } from '../core/logger.js';
import { openOutboxDb } from '../queue/event-outbox.js';
import type { GatewayQueue } from '../queue/gateway-queue.js';
import { openQueue } from '../queue/lmdb-queue.js';
import { openPgQueue } from '../queue/pg/pg-queue.js';
import { requireKeyFingerprint } from '../store/key-fingerprint.js';
import { loadMigrations, migrate } from '../store/postgres/migrate.js';
import { pgKeyFingerprint } from '../store/postgres/pg-key-fingerprint.js';
import { watchDatabase, type DatabaseState, type DatabaseWatch } from '../store/postgres/pg-watch.js';
import { openPgPool, redactUrl } from '../store/postgres/pool.js';
import type { Storage } from '../store/storage.js';
import { openPgWebhookStores, openWebhookStores, type WebhookStores } from '../webhooks/open-webhooks.js';

/** The queue the gateway runs on, and what the listeners and /healthz, /readyz know of its engine. */
export interface QueueEngine {
  readonly queue: GatewayQueue;
  /** Webhook endpoints and deliveries on the same engine: the queue writes the events they want with each change. */
  readonly webhooks: WebhookStores;
  /** The shared database's pool (undefined on LMDB): the settings stores open on it too. */
  readonly pool?: pg.Pool;
  /** False while the shared database is unreachable (always true on LMDB). */
  readonly available: () => boolean;
  /** For /healthz: `{ backend: 'lmdb' }` or the database's state. */
  readonly state: () => { backend: 'lmdb' } | DatabaseState;
  /** Work arrived or was claimed: the scheduler, once it exists. */
  onWork(wake: () => void): void;
  /** After queue.close(): the database watch and the pool. */
  close(): Promise<void>;
}

export interface QueueEngineDeps {
  readonly config: Config;
  readonly storage: Storage;
  /** The loaded secret key's fingerprint: every node on one database must share the key. */
  readonly keyFingerprint: string;
  readonly logger: Logger;
  readonly clock: Clock;
  /**
   * This process delivers from the queue (false: a worker that only receives, on an LMDB environment shared with
   * the worker that delivers; it must leave the attempt leases alone).
   */
  readonly delivers?: boolean;
  /** This process's worker index when several share the machine: part of its node id. */
  readonly workerIndex?: number;
}

/** LMDB (this node's files, the default) or the queue on the PostgreSQL every node shares. */
export async function openQueueEngine(deps: QueueEngineDeps): Promise<QueueEngine> {
  const { config, logger } = deps;
  if (config.store.backend === 'lmdb') {
    const webhooks = openWebhookStores(deps.storage);
    const queue = openQueue({
      storage: deps.storage,
      retry: config.queue.retry,
      logger,
      takeLeases: deps.delivers !== false,
      countDepth: deps.delivers !== false,
      events: webhooks.interest,
    });
    return {
      queue,
      webhooks,
      available: () => true,
      state: () => ({ backend: 'lmdb' }),
      onWork: () => undefined, // LMDB's scheduler learns of work from the accept path and its own timers
      close: async () => undefined,
    };
  }
  return openShared(deps, config.store.postgres.url ?? '');
}

async function openShared(deps: QueueEngineDeps, url: string): Promise<QueueEngine> {
  const { config, logger } = deps;
  const base = config.store.nodeId ?? `${hostname()}-${randomBytes(4).toString('hex')}`;
  // Each worker process is a node of its own (its leases carry the id).
  const nodeId = deps.workerIndex === undefined ? base : `${base}-w${deps.workerIndex}`;
  const pool = openPgPool(url, { max: config.store.postgres.poolSize });
  let watch: DatabaseWatch | undefined;
  let webhooks: WebhookStores | undefined;
  const root = deps.storage.open('queue'); // this node's LMDB outbox: its feedback stores' webhook events
  try {
    const applied = await migrate(pool, await loadMigrations());
    logger.info({ database: redactUrl(url), nodeId, applied }, 'database schema up to date');
    await requireKeyFingerprint(pgKeyFingerprint(pool), deps.keyFingerprint, `the database ${redactUrl(url)}`);
    // A delivery claimed by a node that died is another's after this long: more than one attempt takes.
    const leaseMs = config.webhooks.timeoutMs * 2 + 30_000;
    const onListenError = (err: Error) => logger.warn({ err: err.message }, 'webhook listener lost; reconnecting');
    const shared = await openPgWebhookStores(pool, { nodeId, leaseMs, onListenError });
    webhooks = shared;
    let wake: () => void = () => undefined;
    const queue = await openPgQueue({
      pool,
      nodeId,
      retry: config.queue.retry,
      logger,
      clock: deps.clock,
      leaseMs: config.store.postgres.leaseMs,
      interest: shared.interest,
      outbox: { db: openOutboxDb(root), interest: shared.interest },
      onWork: () => wake(),
    });
    const watching = watchDatabase({ pool, logger });
    watch = watching;
    return {
      queue,
      webhooks: shared,
      pool,
      available: () => watching.up(),
      state: () => watching.state(),
      onWork(fn) {
        wake = fn;
      },
      async close() {
        watching.stop();
        await shared.close(); // its LISTEN connection, before the pool ends (a second close does nothing)
        await pool.end();
        await root.close();
      },
    };
  } catch (err) {
    watch?.stop();
    await webhooks?.close();
    await pool.end().catch(() => undefined);
    await root.close();
    throw startError(err, url);
  }
}

/** An unreachable database says which one (never the password); a key mismatch says itself. */
function startError(err: unknown, url: string): unknown {
  if (err instanceof GatewayError && err.code !== 'E_STORAGE') return err;
  const why = err instanceof Error ? err.message : String(err);
  return new GatewayError('E_STORAGE', `cannot start on the database ${redactUrl(url)}: ${why}`);
}

/** /readyz while the shared database is unreachable; undefined when the engine takes mail. */
export function storeReadiness(
  engine: QueueEngine,
): { ready: false; reason: string; details: Record<string, unknown> } | undefined {
  if (engine.available()) return undefined;
  return { ready: false, reason: 'database_unreachable', details: { store: engine.state() } };
}
