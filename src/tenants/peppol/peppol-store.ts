import type { Storage } from '../../store/storage.js';
import { lmdbDocuments, type OpenDocuments } from '../../store/tenant-documents.js';
import { PEPPOL_DEFAULTS, type PeppolSettings } from './peppol-settings.js';

/**
 * Peppol settings per tenant (`peppol/settings`), read by the pipeline for every message of a
 * tenant. Read through on every call, never mirrored in this process: another worker process on the
 * same LMDB, or another node on PostgreSQL, may have changed them (PostgreSQL's documents keep their
 * own cache, fresh by NOTIFY).
 */
export interface PeppolStore {
  /** The tenant's settings, frozen; the defaults for a tenant that never saved any. */
  get(tenantId: string): PeppolSettings;
  put(tenantId: string, settings: PeppolSettings): Promise<PeppolSettings>;
  remove(tenantId: string): Promise<boolean>;
  tenantIds(): Iterable<string>;
  close(): Promise<void>;
}

export async function openPeppolStore(
  storage: Storage,
  open: OpenDocuments = lmdbDocuments(storage),
): Promise<PeppolStore> {
  const docs = await open<PeppolSettings>('peppol', 'settings');
  return {
    get(tenantId) {
      const doc = docs.get(tenantId);
      return doc === undefined ? PEPPOL_DEFAULTS : Object.freeze(doc);
    },
    async put(tenantId, settings) {
      const stored = Object.freeze({ ...settings });
      await docs.put(tenantId, stored);
      return stored;
    },
    remove: (tenantId) => docs.remove(tenantId),
    tenantIds: () => docs.tenantIds(),
    close: () => docs.close(),
  };
}
