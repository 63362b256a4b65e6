import type { Database, RootDatabase } from 'lmdb';
import type { Storage } from '../../store/storage.js';
import { GatewayError } from '../../core/gateway-error.js';
import { PLATFORM_OWNER, type DomainRecord } from './domain-types.js';

/**
 * Sending domains in their own named databases (`domains/…` in the storage), one claim per
 * (domain, tenant): any number of tenants may add a domain while it is `pending`, each with its
 * own DKIM keys. The first claim that proves the domain (its DKIM records, which only the
 * holder of the zone can publish, verify) becomes its owner, in the transaction that activates
 * it; from then on no other claim activates and nobody else can add it. Read per message (µs),
 * never cached in the process.
 */
export interface DomainReader {
  /** The claim of `tenantId`; without one, the owner's claim, else the first claim (admin tools). */
  get(domain: string, tenantId?: string): DomainRecord | undefined;
  /**
   * The tenant (or PLATFORM_OWNER) that proved the domain; it stays the owner while `failing`, until it removes the
   * domain.
   */
  ownerOf(domain: string): string | undefined;
  /** Every domain of one owner, by name. */
  listFor(tenantId: string): DomainRecord[];
  /** Every claim, by name; at most `limit`. */
  all(limit: number): DomainRecord[];
}

export interface DomainStore extends DomainReader {
  /** Adds a claim: E_NOT_AVAILABLE when another tenant owns the domain, E_CONFLICT when this one has it already. */
  insert(record: DomainRecord): Promise<void>;
  /**
   * Changes one claim in a transaction: `change` gets the current record (of `tenantId`, else
   * E_NOT_FOUND) and returns the next. A claim that leaves `pending` takes ownership, or fails
   * with E_NOT_AVAILABLE when another tenant owns the domain.
   */
  update(domain: string, tenantId: string, change: (current: DomainRecord) => DomainRecord): Promise<DomainRecord>;
  /** Removes the claim (and the ownership, if it was the owner's). */
  remove(domain: string, tenantId: string): Promise<boolean>;
  /** Owners with at least one domain (the platform's `_platform` included). */
  tenantIds(): Iterable<string>;
  /** Removes every domain of one owner (sealed keys with it) in one transaction; how many. */
  removeAll(tenantId: string): Promise<number>;
  close(): Promise<void>;
}

/** A bound for scans: far more domains than one node serves. */
const SCAN_MAX = 100_000;
/** Said to anyone whose add or check meets another tenant's domain: never who. */
export const DOMAIN_NOT_AVAILABLE = 'this domain is not available: it is in use by another account';

/** `<domain>\n<tenant>`: a domain's claims are adjacent ("\n" sorts before every domain character). */
const claimKey = (domain: string, tenantId: string): string => `${domain}\n${tenantId}`;

interface Dbs {
  readonly root: RootDatabase;
  readonly claims: Database<DomainRecord, string>;
  readonly owners: Database<string, string>;
}

function takeOwnership(dbs: Dbs, record: DomainRecord): void {
  if (record.status === 'pending') return;
  const owner = dbs.owners.get(record.domain);
  if (owner !== undefined && owner !== record.tenantId) throw new GatewayError('E_NOT_AVAILABLE', DOMAIN_NOT_AVAILABLE);
  if (owner === undefined) dbs.owners.putSync(record.domain, record.tenantId);
}

function dropClaim(dbs: Dbs, record: DomainRecord): void {
  dbs.claims.removeSync(claimKey(record.domain, record.tenantId));
  if (dbs.owners.get(record.domain) === record.tenantId) dbs.owners.removeSync(record.domain);
}

/** Records of the first layout (one per domain, keyed by name) become claims; an active one its owner. */
function migrateDomainKeyed(dbs: Dbs, old: Database<DomainRecord, string>): void {
  if (old.getKeysCount({ limit: 1 }) === 0) return;
  dbs.root.transactionSync(() => {
    for (const { key, value } of old.getRange({ limit: SCAN_MAX })) {
      dbs.claims.putSync(claimKey(value.domain, value.tenantId), value);
      if (value.status !== 'pending' || value.tenantId === PLATFORM_OWNER)
        dbs.owners.putSync(value.domain, value.tenantId);
      old.removeSync(key);
    }
  });
}

export function openDomainStore(storage: Storage): DomainStore {
  const root = storage.open('domains');
  const dbs: Dbs = {
    root,
    claims: root.openDB({ name: 'domain-claims', encoding: 'json' }),
    owners: root.openDB({ name: 'domain-owners', encoding: 'string' }),
  };
  migrateDomainKeyed(dbs, root.openDB({ name: 'domains', encoding: 'json' }));
  const { claims, owners } = dbs;
  const scan = (limit: number, keep: (r: DomainRecord) => boolean): DomainRecord[] => {
    const out: DomainRecord[] = [];
    for (const { value } of claims.getRange({ limit: SCAN_MAX })) {
      if (out.length >= limit) break;
      if (keep(value)) out.push(value);
    }
    return out;
  };
  const firstClaim = (domain: string): DomainRecord | undefined => {
    for (const { value } of claims.getRange({ start: `${domain}\n`, end: `${domain}\u000b`, limit: 1 })) return value;
    return undefined;
  };
  return {
    get(domain, tenantId) {
      if (tenantId !== undefined) return claims.get(claimKey(domain, tenantId));
      const owner = owners.get(domain);
      return owner === undefined ? firstClaim(domain) : claims.get(claimKey(domain, owner));
    },
    ownerOf: (domain) => owners.get(domain),
    listFor: (tenantId) => scan(SCAN_MAX, (r) => r.tenantId === tenantId),
    all: (limit) => scan(limit, () => true),
    async insert(record) {
      await root.childTransaction(() => {
        const owner = owners.get(record.domain);
        if (owner !== undefined && owner !== record.tenantId)
          throw new GatewayError('E_NOT_AVAILABLE', DOMAIN_NOT_AVAILABLE);
        if (claims.get(claimKey(record.domain, record.tenantId)) !== undefined)
          throw new GatewayError('E_CONFLICT', `you added domain ${record.domain} already`);
        takeOwnership(dbs, record);
        claims.putSync(claimKey(record.domain, record.tenantId), record);
      });
    },
    async update(domain, tenantId, change) {
      return await root.childTransaction(() => {
        const current = claims.get(claimKey(domain, tenantId));
        if (current === undefined) throw new GatewayError('E_NOT_FOUND', `no domain ${domain}`);
        const next = change(current);
        takeOwnership(dbs, next);
        claims.putSync(claimKey(domain, tenantId), next);
        return next;
      });
    },
    async remove(domain, tenantId) {
      return await root.childTransaction(() => {
        const current = claims.get(claimKey(domain, tenantId));
        if (current === undefined) return false;
        dropClaim(dbs, current);
        return true;
      });
    },
    tenantIds: () => new Set(scan(SCAN_MAX, () => true).map((r) => r.tenantId)),
    async removeAll(tenantId) {
      return await root.childTransaction(() => {
        const mine = scan(SCAN_MAX, (r) => r.tenantId === tenantId);
        for (const r of mine) dropClaim(dbs, r);
        return mine.length;
      });
    },
    async close() {
      await root.close();
    },
  };
}
