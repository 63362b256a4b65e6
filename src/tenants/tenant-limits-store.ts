import type { Database } from 'lmdb';
import type { Storage } from '../store/storage.js';
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
  const root = storage.open('limits');
  const db: Database<LimitOverrides, string> = root.openDB({ name: 'limits', encoding: 'json' });
  const cache = new Map<string, LimitOverrides>();
  for (const { key, value } of db.getRange()) cache.set(key, Object.freeze({ ...value }));
  return {
    get: (tenantId) => cache.get(tenantId) ?? NONE,
    async set(tenantId, overrides) {
      const stored = Object.freeze({ ...overrides });
      if (Object.keys(stored).length === 0) await db.remove(tenantId);
      else await db.put(tenantId, stored);
      if (Object.keys(stored).length === 0) cache.delete(tenantId);
      else cache.set(tenantId, stored);
      return stored;
    },
    async remove(tenantId) {
      await db.remove(tenantId);
      cache.delete(tenantId);
    },
    tenantIds: () => [...cache.keys()],
    async close() {
      await root.close();
    },
  };
}
