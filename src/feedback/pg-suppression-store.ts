import type pg from 'pg';
import { pgListener } from '../store/postgres/pg-listener.js';
import { inTransaction } from '../store/postgres/pg-transaction.js';
import type { SuppressionEntry } from './mx-records.js';
import { suppressionCache, type SuppressionCache } from './pg-suppression-cache.js';
import { addedByHand, afterBounce, type HardBounce, type SuppressionStore } from './suppression-store.js';

const CHANNEL = 'postbode_mx_suppressions';

export interface PgSuppressionOptions {
  /** The connection that listens for changes failed; the store reconnects and reloads by itself. */
  readonly onListenError?: (err: Error) => void;
}

export interface PgSuppressionStore extends SuppressionStore {
  /** Stops listening (before the pool ends). */
  close(): Promise<void>;
}

/**
 * The suppression list and bounce counts shared by every node (migration 009), so a hard bounce
 * received by any node's MX stops delivery to that address on all of them. The reads stay
 * synchronous (the pipeline checks every recipient of every attempt, the API lists): they come
 * from this node's copy, loaded at open and kept fresh by LISTEN/NOTIFY (pg-listener.ts), so a
 * change made on another node is seen within a round trip. Writes are transactions on the
 * database; while it is unreachable they reject with E_STORAGE and the reads serve the last copy.
 */
export async function openPgSuppressionStore(
  pool: pg.Pool,
  opts: PgSuppressionOptions = {},
): Promise<PgSuppressionStore> {
  const cache = suppressionCache();
  const listener = pgListener(pool, {
    channel: CHANNEL,
    loading: 'loading the suppression list',
    reload: (client) => cache.reload(client),
    refresh: (client, payload) => cache.refresh(client, payload),
    ...(opts.onListenError ? { onListenError: opts.onListenError } : {}),
  });
  await listener.start();
  return {
    get: (tenantId, address) => cache.entry(tenantId, address.toLowerCase()),
    list: (tenantId) => cache.list(tenantId),
    tenantIds: () => cache.tenantIds(),
    recordHardBounce: (b, thresholds) => recordHardBounce(pool, cache, b, thresholds),
    add: (tenantId, address, reason, now) => add(pool, cache, tenantId, addedByHand(address, reason, now)),
    remove: (tenantId, address) => remove(pool, cache, tenantId, address.toLowerCase()),
    removeTenant: (tenantId) => removeTenant(pool, cache, tenantId),
    close: async () => listener.stop(),
  };
}

/** The count goes up in one upsert (its row lock makes bounces recorded at once take turns), the entry with it. */
async function recordHardBounce(
  pool: pg.Pool,
  cache: SuppressionCache,
  b: HardBounce,
  thresholds: Parameters<SuppressionStore['recordHardBounce']>[1],
): Promise<SuppressionEntry | undefined> {
  const address = b.address.toLowerCase();
  const entry = await inTransaction(pool, 'recording a hard bounce', async (client) => {
    const counted = await client.query<{ count: number }>(
      `INSERT INTO mx_bounces (tenant_id, address, count, last_at) VALUES ($1, $2, 1, $3)
       ON CONFLICT (tenant_id, address) DO UPDATE SET count = mx_bounces.count + 1, last_at = EXCLUDED.last_at
       RETURNING count`,
      [b.tenantId, address, b.now],
    );
    const existing = await client.query<{ entry: SuppressionEntry }>(
      'SELECT entry FROM mx_suppressions WHERE tenant_id = $1 AND address = $2 FOR UPDATE',
      [b.tenantId, address],
    );
    const next = afterBounce(existing.rows[0]?.entry, counted.rows[0]?.count ?? 1, b, thresholds);
    if (next) await upsert(client, b.tenantId, address, next);
    return next;
  });
  cache.setBounced(b.tenantId, address, true);
  if (entry) cache.setEntry(b.tenantId, address, entry);
  return entry;
}

async function upsert(client: pg.ClientBase, tenantId: string, address: string, entry: SuppressionEntry) {
  await client.query(
    `INSERT INTO mx_suppressions (tenant_id, address, entry) VALUES ($1, $2, $3)
     ON CONFLICT (tenant_id, address) DO UPDATE SET entry = EXCLUDED.entry`,
    [tenantId, address, JSON.stringify(entry)],
  );
}

/** An address already on the list keeps its entry (whoever added it, on whichever node). */
async function add(
  pool: pg.Pool,
  cache: SuppressionCache,
  tenantId: string,
  fresh: SuppressionEntry,
): Promise<SuppressionEntry> {
  const entry = await inTransaction(pool, 'adding to the suppression list', async (client) => {
    const { rows } = await client.query<{ entry: SuppressionEntry }>(
      `INSERT INTO mx_suppressions (tenant_id, address, entry) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id, address) DO UPDATE SET entry = mx_suppressions.entry
       RETURNING entry`,
      [tenantId, fresh.address, JSON.stringify(fresh)],
    );
    return rows[0]?.entry ?? fresh;
  });
  cache.setEntry(tenantId, fresh.address, entry);
  return entry;
}

async function remove(pool: pg.Pool, cache: SuppressionCache, tenantId: string, address: string): Promise<boolean> {
  const existed = await inTransaction(pool, 'removing from the suppression list', async (client) => {
    const listed = await client.query('DELETE FROM mx_suppressions WHERE tenant_id = $1 AND address = $2', [
      tenantId,
      address,
    ]);
    await client.query('DELETE FROM mx_bounces WHERE tenant_id = $1 AND address = $2', [tenantId, address]);
    return (listed.rowCount ?? 0) > 0;
  });
  cache.setEntry(tenantId, address, undefined);
  cache.setBounced(tenantId, address, false);
  return existed;
}

async function removeTenant(pool: pg.Pool, cache: SuppressionCache, tenantId: string): Promise<number> {
  const removed = await inTransaction(pool, "removing a tenant's suppression list", async (client) => {
    const listed = await client.query('DELETE FROM mx_suppressions WHERE tenant_id = $1', [tenantId]);
    const counted = await client.query('DELETE FROM mx_bounces WHERE tenant_id = $1', [tenantId]);
    return (listed.rowCount ?? 0) + (counted.rowCount ?? 0);
  });
  cache.dropTenant(tenantId);
  return removed;
}
