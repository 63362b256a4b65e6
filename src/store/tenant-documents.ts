import type { Database } from 'lmdb';
import type { Storage } from './storage.js';

/**
 * One document per tenant: the need of every per-tenant settings store (limits, content …).
 * The seam a second engine implements (a row per tenant); test/store/tenant-documents-contract.ts
 * is what an implementation must pass: a tenant sees only its own document, a write is whole or
 * not at all, and a failed commit (disk full) leaves the last good document readable.
 */
export interface TenantDocuments<T> {
  /** The tenant's document, or undefined when it has none. */
  get(tenantId: string): T | undefined;
  /** Replaces the tenant's document; resolves once committed, rejects (nothing changed) when the write fails. */
  put(tenantId: string, doc: T): Promise<void>;
  /** Removes the tenant's document; true when there was one. */
  remove(tenantId: string): Promise<boolean>;
  /**
   * Reads and replaces the tenant's document as one step that no other writer (another process, another node)
   * can fall between: `change` (synchronous, free of side effects: it may run again) answers the new document,
   * or undefined to remove it. Resolves with what was stored.
   */
  update(tenantId: string, change: (current: T | undefined) => T | undefined): Promise<T | undefined>;
  /** Tenants that have a document (the tenant purge looks for deleted ones). */
  tenantIds(): Iterable<string>;
  close(): Promise<void>;
}

/**
 * Opens the documents `<owner>/<name>` on the gateway's engine: the per-tenant settings stores take
 * one instead of choosing the engine themselves (compose/open-tenant-documents.ts builds it; an
 * engine that loads at open, like PostgreSQL's, answers a promise).
 */
export type OpenDocuments = <T>(owner: string, name: string) => Promise<TenantDocuments<T>> | TenantDocuments<T>;

/** OpenDocuments on this node's LMDB: the default of every store that takes one. */
export function lmdbDocuments(storage: Storage): OpenDocuments {
  return <T>(owner: string, name: string) => openTenantDocuments<T>(storage, owner, name);
}

/** The LMDB implementation: a named database `<owner>/<name>` keyed by tenant id, JSON values. */
export function openTenantDocuments<T>(storage: Storage, owner: string, name: string): TenantDocuments<T> {
  const root = storage.open(owner);
  const db: Database<T, string> = root.openDB({ name, encoding: 'json' });
  return {
    get: (tenantId) => db.get(tenantId),
    async put(tenantId, doc) {
      await db.put(tenantId, doc);
    },
    // lmdb's remove resolves true whether or not the key was there: look in the same transaction.
    remove: (tenantId) =>
      root.transaction(() => {
        if (!db.doesExist(tenantId)) return false;
        void db.remove(tenantId);
        return true;
      }),
    // One LMDB write transaction: the read and the write hold the environment's writer lock, which other processes
    // on the same files wait for too.
    update: (tenantId, change) =>
      root.transaction(() => {
        const next = change(db.get(tenantId));
        if (next === undefined) {
          if (db.doesExist(tenantId)) void db.remove(tenantId);
        } else void db.put(tenantId, next);
        return next;
      }),
    tenantIds: () => db.getKeys(),
    async close() {
      await root.close();
    },
  };
}
