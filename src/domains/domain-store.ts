import { open, type Database } from 'lmdb';
import { GatewayError } from '../core/gateway-error.js';
import type { DomainRecord } from './domain-types.js';

/**
 * Sending domains in their own LMDB environment (`<dataDir>/domains`), keyed by domain name:
 * a domain belongs to at most one owner (a tenant, or the platform). Read per message (µs),
 * never cached in the process.
 */
export interface DomainReader {
  get(domain: string): DomainRecord | undefined;
  /** Every domain of one owner, by name. */
  listFor(tenantId: string): DomainRecord[];
  /** Every domain, by name; at most `limit`. */
  all(limit: number): DomainRecord[];
}

export interface DomainStore extends DomainReader {
  /** Adds a new domain; E_CONFLICT when any owner already has it. */
  insert(record: DomainRecord): Promise<void>;
  /**
   * Changes one domain in a transaction: `change` gets the current record (of `tenantId`,
   * else E_NOT_FOUND) and returns the next.
   */
  update(domain: string, tenantId: string, change: (current: DomainRecord) => DomainRecord): Promise<DomainRecord>;
  remove(domain: string, tenantId: string): Promise<boolean>;
  /** Owners with at least one domain (the platform's `_platform` included). */
  tenantIds(): Iterable<string>;
  /** Removes every domain of one owner (sealed keys with it) in one transaction; how many. */
  removeAll(tenantId: string): Promise<number>;
  close(): Promise<void>;
}

/** A bound for scans: far more domains than one node serves. */
const SCAN_MAX = 100_000;

export function openDomainStore(path: string): DomainStore {
  const root = open({ path, maxDbs: 2 });
  const db: Database<DomainRecord, string> = root.openDB({ name: 'domains', encoding: 'json' });
  const scan = (limit: number, keep: (r: DomainRecord) => boolean): DomainRecord[] => {
    const out: DomainRecord[] = [];
    for (const { value } of db.getRange({ limit: SCAN_MAX })) {
      if (out.length >= limit) break;
      if (keep(value)) out.push(value);
    }
    return out;
  };
  return {
    get: (domain) => db.get(domain),
    listFor: (tenantId) => scan(SCAN_MAX, (r) => r.tenantId === tenantId),
    all: (limit) => scan(limit, () => true),
    async insert(record) {
      root.transactionSync(() => {
        if (db.get(record.domain) !== undefined) throw new GatewayError('E_CONFLICT', `domain ${record.domain} is already registered`);
        db.putSync(record.domain, record);
      });
    },
    async update(domain, tenantId, change) {
      return root.transactionSync(() => {
        const current = db.get(domain);
        if (current === undefined || current.tenantId !== tenantId) throw new GatewayError('E_NOT_FOUND', `no domain ${domain}`);
        const next = change(current);
        db.putSync(domain, next);
        return next;
      });
    },
    async remove(domain, tenantId) {
      return root.transactionSync(() => {
        const current = db.get(domain);
        if (current === undefined || current.tenantId !== tenantId) return false;
        db.removeSync(domain);
        return true;
      });
    },
    tenantIds: () => new Set(scan(SCAN_MAX, () => true).map((r) => r.tenantId)),
    async removeAll(tenantId) {
      return root.transactionSync(() => {
        const mine = scan(SCAN_MAX, (r) => r.tenantId === tenantId);
        for (const r of mine) db.removeSync(r.domain);
        return mine.length;
      });
    },
    async close() { await root.close(); },
  };
}
