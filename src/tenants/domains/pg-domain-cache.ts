import type pg from 'pg';
import type { DomainRecord } from './domain-types.js';

/** What one domain is in the database: its claims (tenant → record as JSON text) and its owner. */
export interface DomainRows {
  readonly claims: Map<string, string>;
  readonly owner: string | undefined;
}

/**
 * One node's copy of `domain_claims` and `domain_owners` (pg-domain-store.ts), replaced a domain
 * at a time. Records are kept as JSON text and parsed on every read: each caller gets its own
 * object, as with LMDB. Scans go in LMDB's key order (domain, then tenant), from a sorted list
 * built again after a change.
 */
export interface DomainCache {
  claim(domain: string, tenantId: string): DomainRecord | undefined;
  owner(domain: string): string | undefined;
  /** The domain's claims in tenant order. */
  claimsOf(domain: string): DomainRecord[];
  /** Every claim in (domain, tenant) order that `keep` accepts, at most `limit`. */
  scan(limit: number, keep: (r: DomainRecord) => boolean): DomainRecord[];
  tenantIds(): Set<string>;
  apply(domain: string, rows: DomainRows): void;
  /** Re-reads one domain (a notification named it, or this node wrote it). */
  refresh(client: pg.ClientBase, domain: string): Promise<void>;
  /** Replaces everything with the tables' rows. */
  reload(client: pg.ClientBase): Promise<void>;
}

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function domainCache(): DomainCache {
  const claims = new Map<string, Map<string, string>>();
  const owners = new Map<string, string>();
  let sorted: Array<[string, string]> | undefined;
  const parse = (text: string | undefined) => (text === undefined ? undefined : (JSON.parse(text) as DomainRecord));
  const keys = (): Array<[string, string]> => {
    sorted ??= [...claims.keys()]
      .sort(byCodeUnit)
      .flatMap((d) => [...(claims.get(d)?.keys() ?? [])].sort(byCodeUnit).map((t): [string, string] => [d, t]));
    return sorted;
  };
  const apply = (domain: string, rows: DomainRows) => {
    if (rows.claims.size === 0) claims.delete(domain);
    else claims.set(domain, rows.claims);
    if (rows.owner === undefined) owners.delete(domain);
    else owners.set(domain, rows.owner);
    sorted = undefined;
  };
  return {
    claim: (domain, tenantId) => parse(claims.get(domain)?.get(tenantId)),
    owner: (domain) => owners.get(domain),
    claimsOf: (domain) =>
      [...(claims.get(domain)?.keys() ?? [])].sort(byCodeUnit).flatMap((t) => parse(claims.get(domain)?.get(t)) ?? []),
    scan(limit, keep) {
      const out: DomainRecord[] = [];
      for (const [domain, tenantId] of keys()) {
        if (out.length >= limit) break;
        const record = parse(claims.get(domain)?.get(tenantId));
        if (record && keep(record)) out.push(record);
      }
      return out;
    },
    tenantIds: () => new Set([...claims.values()].flatMap((m) => [...m.keys()])),
    apply,
    async refresh(client, domain) {
      apply(domain, await readDomain(client, domain));
    },
    async reload(client) {
      const { rows } = await client.query<{ domain: string; tenant_id: string; doc: string }>(
        'SELECT domain, tenant_id, doc::text AS doc FROM domain_claims',
      );
      const owned = await client.query<{ domain: string; tenant_id: string }>(
        'SELECT domain, tenant_id FROM domain_owners',
      );
      claims.clear();
      owners.clear();
      sorted = undefined;
      for (const row of rows) {
        const mine = claims.get(row.domain) ?? new Map<string, string>();
        claims.set(row.domain, mine.set(row.tenant_id, row.doc));
      }
      for (const row of owned.rows) owners.set(row.domain, row.tenant_id);
    },
  };
}

/** One domain's rows, as the cache holds them. */
export async function readDomain(client: pg.ClientBase, domain: string): Promise<DomainRows> {
  const { rows } = await client.query<{ tenant_id: string; doc: string }>(
    'SELECT tenant_id, doc::text AS doc FROM domain_claims WHERE domain = $1',
    [domain],
  );
  const owner = await client.query<{ tenant_id: string }>('SELECT tenant_id FROM domain_owners WHERE domain = $1', [
    domain,
  ]);
  return { claims: new Map(rows.map((r) => [r.tenant_id, r.doc])), owner: owner.rows[0]?.tenant_id };
}
