import type pg from 'pg';
import type { TenantDocuments } from '../tenant-documents.js';
import { storageCall } from './pg-errors.js';

/** The channel of migration 001's trigger: `{"store": …, "tenant": …}` for every changed row. */
const CHANNEL = 'postbode_tenant_documents';
const RETRY_FIRST_MS = 250;
const RETRY_MAX_MS = 5_000;

export interface PgTenantDocumentsOptions {
  /** The connection that listens for changes failed; the store reconnects and reloads by itself. */
  readonly onListenError?: (err: Error) => void;
}

/**
 * TenantDocuments on PostgreSQL: a row per (store, tenant) in `tenant_documents`. Reads stay
 * synchronous, as the interface asks, by serving them from a cache loaded at open; every node
 * LISTENs on the table's trigger channel and re-reads the row a notification names, so a change
 * made on one node reaches the others within a round trip. Re-reads run on the listening
 * connection, in order, each after the commit it was told of: whatever the interleaving with this
 * node's own writes, the last thing applied to the cache is the latest row. A lost connection is
 * reopened and the whole cache reloaded (notifications sent meanwhile are gone).
 *
 * The cache holds the JSON text, parsed on every get: each caller gets its own object, as with LMDB.
 */
export async function openPgTenantDocuments<T>(
  pool: pg.Pool,
  store: string,
  options: PgTenantDocumentsOptions = {},
): Promise<TenantDocuments<T>> {
  const cache = new Map<string, string>();
  const listener = changeListener(pool, store, cache, options);
  await listener.start();
  return {
    get: (tenantId) => {
      const text = cache.get(tenantId);
      return text === undefined ? undefined : (JSON.parse(text) as T);
    },
    async put(tenantId, doc) {
      const text = JSON.stringify(doc);
      await storageCall('writing a tenant document', () =>
        pool.query(
          `INSERT INTO tenant_documents (store, tenant_id, doc) VALUES ($1, $2, $3)
           ON CONFLICT (store, tenant_id) DO UPDATE SET doc = EXCLUDED.doc`,
          [store, tenantId, text],
        ),
      );
      cache.set(tenantId, text);
    },
    async remove(tenantId) {
      const { rowCount } = await storageCall('removing a tenant document', () =>
        pool.query('DELETE FROM tenant_documents WHERE store = $1 AND tenant_id = $2', [store, tenantId]),
      );
      cache.delete(tenantId);
      return (rowCount ?? 0) > 0;
    },
    tenantIds: () => [...cache.keys()],
    close: async () => listener.stop(),
  };
}

interface ChangeListener {
  /** Connects, LISTENs, then loads the cache (in that order: no change falls between). */
  start(): Promise<void>;
  stop(): void;
}

function changeListener(
  pool: pg.Pool,
  store: string,
  cache: Map<string, string>,
  options: PgTenantDocumentsOptions,
): ChangeListener {
  let client: pg.PoolClient | undefined;
  let retry: NodeJS.Timeout | undefined;
  let retryMs = RETRY_FIRST_MS;
  let stopped = false;

  const refresh = async (tenantId: string) => {
    if (client === undefined) return;
    const { rows } = await client.query<{ doc: string }>(
      'SELECT doc::text AS doc FROM tenant_documents WHERE store = $1 AND tenant_id = $2',
      [store, tenantId],
    );
    const row = rows[0];
    if (row === undefined) cache.delete(tenantId);
    else cache.set(tenantId, row.doc);
  };
  const onNotification = (message: pg.Notification) => {
    const changed = parsePayload(message.payload);
    // A failed re-read means a lost connection: `lost` reloads everything.
    if (changed?.store === store) refresh(changed.tenant).catch(() => undefined);
  };
  const drop = (which: pg.PoolClient, err: Error) => {
    if (client !== which) return;
    client = undefined;
    which.release(err);
  };
  const lost = (which: pg.PoolClient, err: Error) => {
    if (client !== which || stopped) return;
    drop(which, err);
    options.onListenError?.(err);
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
      await next.query(`LISTEN ${CHANNEL}`);
      await reload(next, store, cache);
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
      storageCall('loading tenant documents', connect).catch((err: unknown) => {
        stop();
        throw err;
      }),
    stop,
  };
}

async function reload(client: pg.PoolClient, store: string, cache: Map<string, string>): Promise<void> {
  const { rows } = await client.query<{ tenant_id: string; doc: string }>(
    'SELECT tenant_id, doc::text AS doc FROM tenant_documents WHERE store = $1',
    [store],
  );
  cache.clear();
  for (const row of rows) cache.set(row.tenant_id, row.doc);
}

function parsePayload(payload: string | undefined): { store: string; tenant: string } | undefined {
  try {
    const parsed = JSON.parse(payload ?? '') as { store?: unknown; tenant?: unknown };
    return typeof parsed.store === 'string' && typeof parsed.tenant === 'string'
      ? { store: parsed.store, tenant: parsed.tenant }
      : undefined;
  } catch {
    return undefined;
  }
}
