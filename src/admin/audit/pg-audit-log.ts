import type pg from 'pg';
import { openPgAppendLog } from '../../store/postgres/pg-append-log.js';
import { auditLogOn, type AuditEntry, type AuditLog } from './audit-log.js';

/**
 * The audit log every node shares on PostgreSQL: the `audit` rows of `log_entries`, scoped by
 * tenant, so a change made through one node's API is listed by every node's.
 */
export function openPgAuditLog(pool: pg.Pool): AuditLog {
  return auditLogOn(openPgAppendLog<AuditEntry>(pool, 'audit', (entry) => entry.tenantId));
}
