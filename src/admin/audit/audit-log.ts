import { openAppendLog, type AppendLog } from '../../store/append-log.js';
import type { Storage } from '../../store/storage.js';

/**
 * One change made through the API (or the CLI): who, when, which route and object, and the
 * NAMES of the fields it changed. Never values: a rotated password is `smtpPassword`, not the password.
 */
export interface AuditEntry {
  /** Sorts by time (a queue id made from `at`). */
  readonly id: string;
  readonly at: number;
  /** Token id, 'admin' for the admin token(s), 'cli' for the command line. */
  readonly actor: string;
  /** The tenant the change concerns, when there is one: tenants read their own entries. */
  readonly tenantId?: string;
  readonly method: string;
  /** The route pattern, e.g. `/tenants/:id`. */
  readonly route: string;
  readonly targetId: string;
  readonly fieldsChanged: readonly string[];
  /** HTTP status of the answer (failed attempts are recorded too). */
  readonly status: number;
}

export type NewAuditEntry = Omit<AuditEntry, 'id'>;

export interface AuditQuery {
  readonly limit: number;
  /** Only entries older than this entry id. */
  readonly before?: string;
  /** Only this tenant's entries. */
  readonly tenantId?: string;
}

export interface AuditPage {
  /** Newest first. */
  readonly entries: AuditEntry[];
  /** Pass as `before` for the next page; absent at the end. */
  readonly next?: string;
}

export interface AuditLog {
  record(entry: NewAuditEntry): Promise<AuditEntry>;
  list(query: AuditQuery): Promise<AuditPage>;
  /** Deletes entries recorded before `olderThan` (ms); returns how many. */
  purgeOlderThan(olderThan: number): Promise<number>;
  close(): Promise<void>;
}

/** Most entries one list call returns. */
export const AUDIT_MAX_LIMIT = 500;

/**
 * The audit log: an append log (store/append-log.ts) in the storage's `audit/` databases, scoped by
 * tenant so that a tenant's page is a range read. The database names are the ones earlier versions
 * wrote, so an upgraded gateway keeps its entries.
 */
export function openAuditLog(storage: Storage): AuditLog {
  return auditLogOn(
    openAppendLog<AuditEntry>(storage, 'audit', {
      entries: 'entries',
      byScope: 'entries-by-tenant',
      scopeOf: (entry) => entry.tenantId,
    }),
  );
}

/** The audit log over any append log: this node's LMDB (above) or the shared database's (pg-audit-log.ts). */
export function auditLogOn(log: AppendLog<AuditEntry>): AuditLog {
  return {
    record: (input) => log.append({ ...input, fieldsChanged: [...input.fieldsChanged] }),
    list: (query) =>
      log.read({
        limit: Math.min(query.limit, AUDIT_MAX_LIMIT),
        ...(query.before === undefined ? {} : { before: query.before }),
        ...(query.tenantId === undefined ? {} : { scope: query.tenantId }),
      }),
    purgeOlderThan: (olderThan) => log.prune(olderThan),
    close: () => log.close(),
  };
}
