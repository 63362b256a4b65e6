import type pg from 'pg';
import type { TenantDocuments } from '../tenant-documents.js';
import { storageCall } from './pg-errors.js';
import { inTransaction, lockKey } from './pg-transaction.js';
import { pgListener, type PgListener } from './pg-listener.js';

/** The channel of migration 001's trigger: `{"store": …, "tenant": …}` for every changed row. */
const CHANNEL = 'postbode_tenant_documents';

export interface PgTenantDocumentsOptions {
  /** The connection that listens for changes failed; the store reconnects and reloads by itself. */
  readonly onListenError?: (err: Error) => void;
}

/** The JSON text of every row, by store and tenant. */
type Rows = Map<string, Map<string, string>>;

interface SharedRows {
  readonly rows: Rows;
  readonly listener: PgListener;
}

/**
 * TenantDocuments on PostgreSQL: a row per (store, tenant) in `tenant_documents`. Reads stay
 * synchronous, as the interface asks, by serving them from a cache loaded at open; every node
 * LISTENs on the table's trigger channel and re-reads the row a notification names, so a change
 * made on one node reaches the others within a round trip (pg-listener.ts: ordering, reconnect
 * and reload).
 *
 * The opener answered here serves every store of a node from one cache and one LISTEN on the
 * table's channel (a node opens half a dozen of these stores: its per-tenant settings). The
 * listening starts at the first open and stops when the last store opened through it closes.
 *
 * The cache holds the JSON text, parsed on every get: each caller gets its own object, as with LMDB.
 */
export function pgTenantDocumentsOpener(
  pool: pg.Pool,
  options: PgTenantDocumentsOptions = {},
): <T>(store: string) => Promise<TenantDocuments<T>> {
  let shared: Promise<SharedRows> | undefined;
  let users = 0;
  const release = () => {
    users--;
    if (users > 0 || shared === undefined) return Promise.resolve();
    const stopping = shared;
    shared = undefined;
    return stopping.then((s) => s.listener.stop());
  };
  return async <T>(store: string) => {
    users++;
    const starting = (shared ??= startShared(pool, options));
    const opened = await starting.catch(async (err: unknown) => {
      users--;
      if (shared === starting) shared = undefined;
      throw err;
    });
    return documentsOf<T>(pool, store, opened.rows, release);
  };
}

/** One store's documents on their own listening connection (tests, and a store opened alone). */
export async function openPgTenantDocuments<T>(
  pool: pg.Pool,
  store: string,
  options: PgTenantDocumentsOptions = {},
): Promise<TenantDocuments<T>> {
  return pgTenantDocumentsOpener(pool, options)<T>(store);
}

async function startShared(pool: pg.Pool, options: PgTenantDocumentsOptions): Promise<SharedRows> {
  const rows: Rows = new Map();
  const listener = pgListener(pool, {
    channel: CHANNEL,
    loading: 'loading tenant documents',
    reload: (client) => reload(client, rows),
    refresh: async (client, payload) => {
      const changed = parsePayload(payload);
      if (changed !== undefined) await refresh(client, changed.store, changed.tenant, rows);
    },
    ...(options.onListenError ? { onListenError: options.onListenError } : {}),
  });
  await listener.start();
  return { rows, listener };
}

function documentsOf<T>(pool: pg.Pool, store: string, rows: Rows, release: () => Promise<void>): TenantDocuments<T> {
  let closed = false;
  return {
    get: (tenantId) => {
      const text = rows.get(store)?.get(tenantId);
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
      rowsOf(rows, store).set(tenantId, text);
    },
    async remove(tenantId) {
      const { rowCount } = await storageCall('removing a tenant document', () =>
        pool.query('DELETE FROM tenant_documents WHERE store = $1 AND tenant_id = $2', [store, tenantId]),
      );
      rows.get(store)?.delete(tenantId);
      return (rowCount ?? 0) > 0;
    },
    async update(tenantId, change) {
      // The lock covers a document that does not exist yet too (FOR UPDATE would lock no row then).
      const next = await inTransaction(pool, 'updating a tenant document', async (client) => {
        await lockKey(client, `tenant_documents/${store}/${tenantId}`);
        const { rows: found } = await client.query<{ doc: string }>(
          'SELECT doc::text AS doc FROM tenant_documents WHERE store = $1 AND tenant_id = $2',
          [store, tenantId],
        );
        const text = found[0]?.doc;
        const changed = change(text === undefined ? undefined : (JSON.parse(text) as T));
        if (changed === undefined)
          await client.query('DELETE FROM tenant_documents WHERE store = $1 AND tenant_id = $2', [store, tenantId]);
        else
          await client.query(
            `INSERT INTO tenant_documents (store, tenant_id, doc) VALUES ($1, $2, $3)
             ON CONFLICT (store, tenant_id) DO UPDATE SET doc = EXCLUDED.doc`,
            [store, tenantId, JSON.stringify(changed)],
          );
        return changed;
      });
      if (next === undefined) rows.get(store)?.delete(tenantId);
      else rowsOf(rows, store).set(tenantId, JSON.stringify(next));
      return next;
    },
    tenantIds: () => [...(rows.get(store)?.keys() ?? [])],
    close: async () => {
      if (closed) return;
      closed = true;
      await release();
    },
  };
}

function rowsOf(rows: Rows, store: string): Map<string, string> {
  let ofStore = rows.get(store);
  if (ofStore === undefined) {
    ofStore = new Map();
    rows.set(store, ofStore);
  }
  return ofStore;
}

async function refresh(client: pg.ClientBase, store: string, tenantId: string, rows: Rows): Promise<void> {
  const { rows: found } = await client.query<{ doc: string }>(
    'SELECT doc::text AS doc FROM tenant_documents WHERE store = $1 AND tenant_id = $2',
    [store, tenantId],
  );
  const row = found[0];
  if (row === undefined) rows.get(store)?.delete(tenantId);
  else rowsOf(rows, store).set(tenantId, row.doc);
}

/** Every store's rows: the table holds only the per-tenant settings a node serves anyway. */
async function reload(client: pg.ClientBase, rows: Rows): Promise<void> {
  const { rows: found } = await client.query<{ store: string; tenant_id: string; doc: string }>(
    'SELECT store, tenant_id, doc::text AS doc FROM tenant_documents',
  );
  rows.clear();
  for (const row of found) rowsOf(rows, row.store).set(row.tenant_id, row.doc);
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
