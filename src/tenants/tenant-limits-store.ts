import type { Storage } from '../store/storage.js';
import { lmdbDocuments, type OpenDocuments } from '../store/tenant-documents.js';
import type { LimitOverrides } from './tenant-limits.js';

/**
 * Per-tenant limit overrides (`limits/limits`), read on every MAIL FROM and by every delivery slot
 * decision. Read through on every call, never mirrored in this process: another worker process on
 * the same LMDB, or another node on PostgreSQL, may have changed them (an LMDB read is a memory map
 * lookup; PostgreSQL's documents keep their own cache, fresh by NOTIFY).
 */
export interface TenantLimitsStore {
  /** The tenant's overrides, frozen: callers share nothing they could change. */
  get(tenantId: string): LimitOverrides;
  set(tenantId: string, overrides: LimitOverrides): Promise<LimitOverrides>;
  remove(tenantId: string): Promise<void>;
  tenantIds(): Iterable<string>;
  close(): Promise<void>;
}

const NONE: LimitOverrides = Object.freeze({});

export async function openTenantLimitsStore(
  storage: Storage,
  open: OpenDocuments = lmdbDocuments(storage),
): Promise<TenantLimitsStore> {
  const docs = await open<LimitOverrides>('limits', 'limits');
  return {
    get(tenantId) {
      const doc = docs.get(tenantId);
      return doc === undefined ? NONE : Object.freeze(doc);
    },
    async set(tenantId, overrides) {
      const stored = Object.freeze({ ...overrides });
      if (Object.keys(stored).length === 0) await docs.remove(tenantId);
      else await docs.put(tenantId, stored);
      return stored;
    },
    async remove(tenantId) {
      await docs.remove(tenantId);
    },
    tenantIds: () => docs.tenantIds(),
    close: () => docs.close(),
  };
}
