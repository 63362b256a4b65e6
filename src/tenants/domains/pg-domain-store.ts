import type pg from 'pg';
import { GatewayError } from '../../core/gateway-error.js';
import { pgListener } from '../../store/postgres/pg-listener.js';
import { inTransaction, lockKey } from '../../store/postgres/pg-transaction.js';
import { DOMAIN_NOT_AVAILABLE, type DomainStore } from './domain-store.js';
import type { DomainRecord } from './domain-types.js';
import { domainCache, readDomain, type DomainRows } from './pg-domain-cache.js';

const CHANNEL = 'postbode_domains';
/** A bound for scans, as in LMDB: far more domains than one node serves. */
const SCAN_MAX = 100_000;

export interface PgDomainStoreOptions {
  /** The connection that listens for changes failed; the store reconnects and reloads by itself. */
  readonly onListenError?: (err: Error) => void;
}

/**
 * DomainStore on PostgreSQL (migration 006): a row per claim (domain, tenant) in `domain_claims`,
 * the owner of a domain in `domain_owners`. Reads are per message and synchronous: they come from
 * this node's cache (pg-domain-cache.ts), loaded at open and kept fresh by NOTIFY (pg-listener.ts).
 * Every write to a domain takes that domain's lock in the database first, so nodes claiming and
 * proving one domain at once take turns, and ownership is decided by what is committed, never by
 * a cache. Sealed DKIM keys stay sealed: the record is stored as the service made it.
 */
export async function openPgDomainStore(pool: pg.Pool, opts: PgDomainStoreOptions = {}): Promise<DomainStore> {
  const cache = domainCache();
  const listener = pgListener(pool, {
    channel: CHANNEL,
    loading: 'loading domains',
    reload: (client) => cache.reload(client),
    refresh: (client, domain) => cache.refresh(client, domain),
    ...(opts.onListenError ? { onListenError: opts.onListenError } : {}),
  });
  await listener.start();
  /** Runs a write to one domain under its lock, then shows this node what was committed. */
  const write = async <R>(action: string, domain: string, work: (c: pg.PoolClient) => Promise<R>): Promise<R> => {
    let rows: DomainRows | undefined;
    const result = await inTransaction(pool, action, async (client) => {
      await lockKey(client, `domains:${domain}`);
      const out = await work(client);
      rows = await readDomain(client, domain);
      return out;
    });
    if (rows) cache.apply(domain, rows);
    return result;
  };
  return {
    get(domain, tenantId) {
      if (tenantId !== undefined) return cache.claim(domain, tenantId);
      const owner = cache.owner(domain);
      return owner === undefined ? cache.claimsOf(domain)[0] : cache.claim(domain, owner);
    },
    ownerOf: (domain) => cache.owner(domain),
    listFor: (tenantId) => cache.scan(SCAN_MAX, (r) => r.tenantId === tenantId),
    all: (limit) => cache.scan(limit, () => true),
    insert: (record) =>
      write('adding a domain', record.domain, async (client) => {
        const owner = await ownerIn(client, record.domain);
        if (owner !== undefined && owner !== record.tenantId)
          throw new GatewayError('E_NOT_AVAILABLE', DOMAIN_NOT_AVAILABLE);
        if ((await claimIn(client, record.domain, record.tenantId)) !== undefined)
          throw new GatewayError('E_CONFLICT', `you added domain ${record.domain} already`);
        await takeOwnership(client, record);
        await putClaim(client, record.domain, record.tenantId, record);
      }),
    update: (domain, tenantId, change) =>
      write('updating a domain', domain, async (client) => {
        const current = await claimIn(client, domain, tenantId);
        if (current === undefined) throw new GatewayError('E_NOT_FOUND', `no domain ${domain}`);
        const next = change(current);
        await takeOwnership(client, next);
        await putClaim(client, domain, tenantId, next);
        return next;
      }),
    remove: (domain, tenantId) =>
      write('removing a domain', domain, async (client) => {
        const { rowCount } = await client.query('DELETE FROM domain_claims WHERE domain = $1 AND tenant_id = $2', [
          domain,
          tenantId,
        ]);
        await client.query('DELETE FROM domain_owners WHERE domain = $1 AND tenant_id = $2', [domain, tenantId]);
        return (rowCount ?? 0) > 0;
      }),
    tenantIds: () => cache.tenantIds(),
    async removeAll(tenantId) {
      const domains = await inTransaction(pool, 'removing the domains of a tenant', async (client) => {
        const { rows } = await client.query<{ domain: string }>(
          'DELETE FROM domain_claims WHERE tenant_id = $1 RETURNING domain',
          [tenantId],
        );
        await client.query('DELETE FROM domain_owners WHERE tenant_id = $1', [tenantId]);
        return rows.map((r) => r.domain);
      });
      await refreshAll(pool, cache, domains);
      return domains.length;
    },
    close: async () => listener.stop(),
  };
}

async function ownerIn(client: pg.PoolClient, domain: string): Promise<string | undefined> {
  const { rows } = await client.query<{ tenant_id: string }>('SELECT tenant_id FROM domain_owners WHERE domain = $1', [
    domain,
  ]);
  return rows[0]?.tenant_id;
}

async function claimIn(client: pg.PoolClient, domain: string, tenantId: string): Promise<DomainRecord | undefined> {
  const { rows } = await client.query<{ doc: DomainRecord }>(
    'SELECT doc FROM domain_claims WHERE domain = $1 AND tenant_id = $2',
    [domain, tenantId],
  );
  return rows[0]?.doc;
}

async function putClaim(client: pg.PoolClient, domain: string, tenantId: string, record: DomainRecord): Promise<void> {
  await client.query(
    `INSERT INTO domain_claims (domain, tenant_id, doc) VALUES ($1, $2, $3)
     ON CONFLICT (domain, tenant_id) DO UPDATE SET doc = EXCLUDED.doc`,
    [domain, tenantId, JSON.stringify(record)],
  );
}

/** A claim that leaves `pending` owns the domain, unless another tenant does (E_NOT_AVAILABLE). */
async function takeOwnership(client: pg.PoolClient, record: DomainRecord): Promise<void> {
  if (record.status === 'pending') return;
  const owner = await ownerIn(client, record.domain);
  if (owner !== undefined && owner !== record.tenantId) throw new GatewayError('E_NOT_AVAILABLE', DOMAIN_NOT_AVAILABLE);
  if (owner === undefined)
    await client.query('INSERT INTO domain_owners (domain, tenant_id) VALUES ($1, $2)', [
      record.domain,
      record.tenantId,
    ]);
}

/** After a write that touched many domains: this node reads them again (the others hear of it by NOTIFY). */
async function refreshAll(pool: pg.Pool, cache: ReturnType<typeof domainCache>, domains: string[]): Promise<void> {
  const client = await pool.connect().catch(() => undefined);
  if (client === undefined) return; // the listener reloads everything once it is back
  let failed: Error | undefined;
  try {
    for (const domain of new Set(domains)) await cache.refresh(client, domain);
  } catch (err) {
    failed = err as Error; // as above: a lost connection is the listener's to recover from
  } finally {
    client.release(failed);
  }
}
