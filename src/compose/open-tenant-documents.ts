import type pg from 'pg';
import type { Logger } from '../core/logger.js';
import { pgTenantDocumentsOpener } from '../store/postgres/pg-tenant-documents.js';
import type { Storage } from '../store/storage.js';
import { lmdbDocuments, type OpenDocuments } from '../store/tenant-documents.js';

export interface TenantDocumentsDeps {
  readonly storage: Storage;
  /** The shared database's pool; undefined on LMDB. */
  readonly pool: pg.Pool | undefined;
  readonly logger: Logger;
}

/**
 * Where the per-tenant settings stores (content, review rules, bounce alerts, Peppol, limit
 * overrides) keep their documents: this node's LMDB, or on PostgreSQL a row per tenant in
 * `tenant_documents` under the store name `<owner>/<name>`, shared by every node like the tenants
 * and sender settings (open-settings-stores.ts). On PostgreSQL all of them share one listening
 * connection, given back when the last of them closes.
 */
export function openTenantDocumentsOn(deps: TenantDocumentsDeps): OpenDocuments {
  const { pool, logger } = deps;
  if (pool === undefined) return lmdbDocuments(deps.storage);
  // A lost LISTEN connection is reopened (and every cache reloaded) by the documents themselves.
  const open = pgTenantDocumentsOpener(pool, {
    onListenError: (err) => logger.warn({ err: err.message }, 'tenant documents listener lost; reconnecting'),
  });
  return (owner, name) => open(`${owner}/${name}`);
}
