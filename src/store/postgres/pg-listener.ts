import type pg from 'pg';
import { storageCall } from './pg-errors.js';

const RETRY_FIRST_MS = 250;
const RETRY_MAX_MS = 5_000;

/** What a cached store gives the listener: how to load everything, and how to re-read what a notification names. */
export interface PgListenerSpec {
  /** The NOTIFY channel of the store's tables' trigger (a plain identifier). */
  readonly channel: string;
  /** Said in the E_STORAGE error when the first load fails, e.g. 'loading sender settings'. */
  readonly loading: string;
  /** Replaces the whole cache from the database (at start and after every reconnect). */
  reload(client: pg.PoolClient): Promise<void>;
  /** Re-reads what one notification's payload names and applies it to the cache. */
  refresh(client: pg.PoolClient, payload: string): Promise<void>;
  /** The listening connection failed; the listener reconnects and reloads by itself. */
  readonly onListenError?: (err: Error) => void;
}

export interface PgListener {
  /** Connects, LISTENs, then loads the cache (in that order: no change falls between). */
  start(): Promise<void>;
  stop(): void;
}

/**
 * The one way a store keeps a per-node cache fresh: a connection of its own LISTENs on the store's
 * channel and re-reads what each notification names. Re-reads run on that connection, in order,
 * each after the commit it was told of: whatever the interleaving with this node's own writes, the
 * last thing applied to the cache is the latest row. A lost connection is reopened (backing off up
 * to 5 s) and the whole cache reloaded, since notifications sent meanwhile are gone.
 */
export function pgListener(pool: pg.Pool, spec: PgListenerSpec): PgListener {
  let client: pg.PoolClient | undefined;
  let retry: NodeJS.Timeout | undefined;
  let retryMs = RETRY_FIRST_MS;
  let stopped = false;

  const onNotification = (message: pg.Notification) => {
    if (client === undefined || message.channel !== spec.channel) return;
    // A failed re-read means a lost connection: `lost` reloads everything.
    spec.refresh(client, message.payload ?? '').catch(() => undefined);
  };
  const drop = (which: pg.PoolClient, err: Error) => {
    if (client !== which) return;
    client = undefined;
    which.release(err);
  };
  const lost = (which: pg.PoolClient, err: Error) => {
    if (client !== which || stopped) return;
    drop(which, err);
    spec.onListenError?.(err);
    scheduleReconnect();
  };
  const scheduleReconnect = () => {
    if (stopped || retry !== undefined) return;
    retry = setTimeout(() => {
      retry = undefined;
      connect().catch(() => scheduleReconnect());
    }, retryMs);
    retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
  };
  const connect = async () => {
    const next = await pool.connect();
    if (stopped) return next.release(true);
    next.on('error', (err) => lost(next, err));
    next.on('notification', onNotification);
    client = next;
    try {
      await next.query(`LISTEN ${spec.channel}`);
      await spec.reload(next);
      retryMs = RETRY_FIRST_MS;
    } catch (err) {
      drop(next, err as Error);
      throw err;
    }
  };
  const stop = () => {
    stopped = true;
    clearTimeout(retry);
    client?.release(true);
    client = undefined;
  };
  return {
    start: () =>
      storageCall(spec.loading, connect).catch((err: unknown) => {
        stop();
        throw err;
      }),
    stop,
  };
}
