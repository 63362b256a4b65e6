import type { Storage } from '../../store/storage.js';
import { openTenantDocuments } from '../../store/tenant-documents.js';
import { PEPPOL_DEFAULTS, type PeppolSettings } from './peppol-settings.js';

/**
 * Peppol settings per tenant in their own named database (`peppol/…`), mirrored in memory at open: the pipeline reads
 * them for every message of a tenant (µs), only the Config API of this node writes them.
 */
export interface PeppolStore {
  get(tenantId: string): PeppolSettings;
  put(tenantId: string, settings: PeppolSettings): Promise<PeppolSettings>;
  remove(tenantId: string): Promise<boolean>;
  tenantIds(): Iterable<string>;
  close(): Promise<void>;
}

export function openPeppolStore(storage: Storage): PeppolStore {
  const docs = openTenantDocuments<PeppolSettings>(storage, 'peppol', 'settings');
  const cache = new Map<string, PeppolSettings>();
  for (const tenantId of docs.tenantIds()) {
    const doc = docs.get(tenantId);
    if (doc) cache.set(tenantId, Object.freeze(doc));
  }
  return {
    get: (tenantId) => cache.get(tenantId) ?? PEPPOL_DEFAULTS,
    async put(tenantId, settings) {
      const stored = Object.freeze({ ...settings });
      await docs.put(tenantId, stored);
      cache.set(tenantId, stored);
      return stored;
    },
    async remove(tenantId) {
      cache.delete(tenantId);
      return docs.remove(tenantId);
    },
    tenantIds: () => [...cache.keys()],
    close: () => docs.close(),
  };
}
