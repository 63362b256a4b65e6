import type pg from 'pg';
import type { SuppressionEntry } from './mx-records.js';

/**
 * This node's copy of the shared suppression list (migration 009), so that the per-recipient
 * check of every delivery attempt reads memory, never the database. Holds each tenant's entries
 * by address, and which addresses have a bounce count (the tenant purge asks for those tenants).
 */
export interface SuppressionCache {
  entry(tenantId: string, address: string): SuppressionEntry | undefined;
  /** The tenant's entries, by address. */
  list(tenantId: string): SuppressionEntry[];
  tenantIds(): Set<string>;
  setEntry(tenantId: string, address: string, entry: SuppressionEntry | undefined): void;
  setBounced(tenantId: string, address: string, bounced: boolean): void;
  dropTenant(tenantId: string): void;
  /** Replaces everything from the database (at open and after a lost listening connection). */
  reload(client: pg.ClientBase): Promise<void>;
  /** Re-reads the pair a notification names (`{"t": tenant, "a": address}`). */
  refresh(client: pg.ClientBase, payload: string): Promise<void>;
}

type ByTenant<V> = Map<string, Map<string, V>>;

function put<V>(map: ByTenant<V>, tenantId: string, address: string, value: V | undefined): void {
  let ofTenant = map.get(tenantId);
  if (value === undefined) {
    ofTenant?.delete(address);
    if (ofTenant?.size === 0) map.delete(tenantId);
    return;
  }
  if (ofTenant === undefined) {
    ofTenant = new Map();
    map.set(tenantId, ofTenant);
  }
  ofTenant.set(address, value);
}

function parsePair(payload: string): { t: string; a: string } | undefined {
  try {
    const parsed = JSON.parse(payload) as { t?: unknown; a?: unknown };
    return typeof parsed.t === 'string' && typeof parsed.a === 'string' ? { t: parsed.t, a: parsed.a } : undefined;
  } catch {
    return undefined;
  }
}

export function suppressionCache(): SuppressionCache {
  const entries: ByTenant<SuppressionEntry> = new Map();
  const bounced: ByTenant<true> = new Map();
  return {
    entry: (tenantId, address) => entries.get(tenantId)?.get(address),
    list: (tenantId) =>
      [...(entries.get(tenantId) ?? new Map<string, SuppressionEntry>())]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([, entry]) => entry),
    tenantIds: () => new Set([...entries.keys(), ...bounced.keys()]),
    setEntry: (tenantId, address, entry) => put(entries, tenantId, address, entry),
    setBounced: (tenantId, address, is) => put(bounced, tenantId, address, is ? true : undefined),
    dropTenant(tenantId) {
      entries.delete(tenantId);
      bounced.delete(tenantId);
    },
    async reload(client) {
      const listed = await client.query<{ tenant_id: string; address: string; entry: SuppressionEntry }>(
        'SELECT tenant_id, address, entry FROM mx_suppressions',
      );
      const counted = await client.query<{ tenant_id: string; address: string }>(
        'SELECT tenant_id, address FROM mx_bounces',
      );
      entries.clear();
      bounced.clear();
      for (const row of listed.rows) put(entries, row.tenant_id, row.address, row.entry);
      for (const row of counted.rows) put(bounced, row.tenant_id, row.address, true);
    },
    async refresh(client, payload) {
      const pair = parsePair(payload);
      if (pair === undefined) return;
      const { rows } = await client.query<{ entry: SuppressionEntry | null; bounced: boolean }>(
        `SELECT (SELECT entry FROM mx_suppressions WHERE tenant_id = $1 AND address = $2) AS entry,
                EXISTS (SELECT 1 FROM mx_bounces WHERE tenant_id = $1 AND address = $2) AS bounced`,
        [pair.t, pair.a],
      );
      put(entries, pair.t, pair.a, rows[0]?.entry ?? undefined);
      put(bounced, pair.t, pair.a, rows[0]?.bounced === true ? true : undefined);
    },
  };
}
