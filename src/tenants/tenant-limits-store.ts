import type { Storage } from '../store/storage.js';
import { openTenantDocuments } from '../store/tenant-documents.js';
import type { LimitOverrides } from './tenant-limits.js';

/**
 * Per-tenant limit overrides in their own named database (`limits/…` in the storage), mirrored in
 * memory at open: they are read on every MAIL FROM and by every delivery slot decision, and
 * only the Config API of this node writes them.
 */
export interface TenantLimitsStore {
  get(tenantId: string): LimitOverrides;
  set(tenantId: string, overrides: LimitOverrides): Promise<LimitOverrides>;
  remove(tenantId: string): Promise<void>;
  tenantIds(): Iterable<string>;
  close(): Promise<void>;
}

const NONE: LimitOverrides = Object.freeze({});

export function openTenantLimitsStore(storage: Storage): TenantLimitsStore {
  const docs = openTenantDocuments<LimitOverrides>(storage, 'limits', 'limits');
  const cache = new Map<string, LimitOverrides>();
  for (const tenantId of docs.tenantIds()) cache.set(tenantId, Object.freeze({ ...docs.get(tenantId) }));
  return {
    get: (tenantId) => cache.get(tenantId) ?? NONE,
    async set(tenantId, overrides) {
      const stored = Object.freeze({ ...overrides });
      if (Object.keys(stored).length === 0) await docs.remove(tenantId);
      else await docs.put(tenantId, stored);
      if (Object.keys(stored).length === 0) cache.delete(tenantId);
      else cache.set(tenantId, stored);
      return stored;
    },
    async remove(tenantId) {
      await docs.remove(tenantId);
      cache.delete(tenantId);
    },
    tenantIds: () => [...cache.keys()],
    close: () => docs.close(),
  };
}
