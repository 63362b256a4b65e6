import type pg from 'pg';
import type { TenantDocuments } from '../tenant-documents.js';
import { storageCall } from './pg-errors.js';
import { pgListener } from './pg-listener.js';

/** The channel of migration 001's trigger: `{"store": …, "tenant": …}` for every changed row. */
const CHANNEL = 'postbode_tenant_documents';

export interface PgTenantDocumentsOptions {
  /** The connection that listens for changes failed; the store reconnects and reloads by itself. */
  readonly onListenError?: (err: Error) => void;
}

/**
 * TenantDocuments on PostgreSQL: a row per (store, tenant) in `tenant_documents`. Reads stay
 * synchronous, as the interface asks, by serving them from a cache loaded at open; every node
 * LISTENs on the table's trigger channel and re-reads the row a notification names, so a change
 * made on one node reaches the others within a round trip (pg-listener.ts: ordering, reconnect
 * and reload).
 *
 * The cache holds the JSON text, parsed on every get: each caller gets its own object, as with LMDB.
 */
export async function openPgTenantDocuments<T>(
  pool: pg.Pool,
  store: string,
  options: PgTenantDocumentsOptions = {},
): Promise<TenantDocuments<T>> {
  const cache = new Map<string, string>();
  const listener = pgListener(pool, {
    channel: CHANNEL,
    loading: 'loading tenant documents',
    reload: (client) => reload(client, store, cache),
    refresh: async (client, payload) => {
      const changed = parsePayload(payload);
      if (changed?.store === store) await refresh(client, store, changed.tenant, cache);
    },
    ...(options.onListenError ? { onListenError: options.onListenError } : {}),
  });
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

async function refresh(
  client: pg.PoolClient,
  store: string,
  tenantId: string,
  cache: Map<string, string>,
): Promise<void> {
  const { rows } = await client.query<{ doc: string }>(
    'SELECT doc::text AS doc FROM tenant_documents WHERE store = $1 AND tenant_id = $2',
    [store, tenantId],
  );
  const row = rows[0];
  if (row === undefined) cache.delete(tenantId);
  else cache.set(tenantId, row.doc);
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
