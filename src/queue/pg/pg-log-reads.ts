import type pg from 'pg';
import type { MessageLogFilter, MessageLogPage, QueuedMessage, QueueSummary } from '../../core/types.js';
import { storageCall } from '../../store/postgres/pg-errors.js';
import { headerText, MAX_HEADER_TEXT_BYTES } from '../header-text.js';
import {
  ID_TIME_SLACK_MS,
  idTimePrefix,
  LIST_MAX_LIMIT,
  LIST_SCAN_BUDGET,
  matcher,
  startOfUtcDay,
} from '../queue-reads.js';
import { messageOfRow, MESSAGE_COLUMNS, type MessageRow } from './pg-records.js';

/** Rows one round trip of list() reads when some filters are only tested here (text, recipient, accept). */
const LIST_BATCH = 500;

/**
 * The message log, newest first, as listMessages (queue-reads.ts) answers it on LMDB: the same
 * filters, cursor, limit and scan budget. SQL does the index work: tenant, cursor, receivedAt
 * range and status narrow the rows read (by tenant an index range of `queue_messages_log`,
 * migration 005: other tenants' rows are never read); the case-insensitive text and recipient
 * tests and the caller's `accept` then run here on each row, with `matcher`, the one definition
 * of the filters (PostgreSQL's lower() follows the database's locale, JavaScript's does not).
 */
export async function listPgMessages(pool: pg.Pool, filter: MessageLogFilter): Promise<MessageLogPage> {
  const limit = Math.min(Math.max(1, Math.floor(filter.limit)), LIST_MAX_LIMIT);
  const test = matcher(filter);
  const exact = filter.text === undefined && filter.recipient === undefined && filter.accept === undefined;
  const messages: QueuedMessage[] = [];
  let scanned = 0;
  let cursor = filter.before;
  for (;;) {
    const want = Math.min(exact ? limit - messages.length : LIST_BATCH, LIST_SCAN_BUDGET - scanned);
    const rows = await logRows(pool, filter, cursor, want);
    for (const row of rows) {
      scanned++;
      cursor = row.id;
      const msg = messageOfRow(row);
      if (test(msg)) messages.push(msg);
      if (messages.length >= limit) break;
    }
    const full = messages.length >= limit || scanned >= LIST_SCAN_BUDGET;
    if (full) return { messages, ...(cursor === undefined ? {} : { next: cursor }) };
    if (rows.length < want) return { messages };
  }
}

async function logRows(
  pool: pg.Pool,
  filter: MessageLogFilter,
  before: string | undefined,
  limit: number,
): Promise<MessageRow[]> {
  const { sql, params } = logQuery(filter, before, limit);
  const { rows } = await storageCall('reading the message log', () => pool.query<MessageRow>(sql, params));
  return rows;
}

/** The query of up to `limit` rows below `before`, newest first, passing the filters SQL can test exactly. */
export function logQuery(
  filter: MessageLogFilter,
  before: string | undefined,
  limit: number,
): { readonly sql: string; readonly params: unknown[] } {
  const params: unknown[] = [limit];
  const where: string[] = [];
  const add = (sql: (n: string) => string, value: unknown) => where.push(sql(`$${params.push(value)}`));
  if (filter.tenantId !== undefined) add((n) => `tenant_id = ${n}`, filter.tenantId);
  if (before !== undefined) add((n) => `id < ${n}`, before);
  if (filter.until !== undefined) {
    // Ids start with their arrival time: the id bound lets the index stop early; received_at is the exact test.
    add((n) => `id < ${n}`, idTimePrefix(filter.until + ID_TIME_SLACK_MS + 1));
    add((n) => `received_at <= ${n}`, filter.until);
  }
  if (filter.since !== undefined) {
    add((n) => `id >= ${n}`, idTimePrefix(filter.since - ID_TIME_SLACK_MS));
    add((n) => `received_at >= ${n}`, filter.since);
  }
  if (filter.status !== undefined) add((n) => `record->'recipients' @> ${n}::jsonb`, statusProbe(filter.status));
  const sql = `SELECT ${MESSAGE_COLUMNS} FROM queue_messages ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY id DESC LIMIT $1`;
  return { sql, params };
}

/** `[{"status": …}]`: contained in a record's recipients when one of them has that status. */
function statusProbe(status: string): string {
  return JSON.stringify([{ status }]);
}

/**
 * Pending counts (messages with a recipient not yet final, those recipients by status: the
 * count columns every write derives from the record, pg-records.ts) and today's outcomes since
 * 00:00 UTC (delivered; bounced and expired, as completedEntry counts them, from the records of
 * messages completed today), in one statement: one tenant's rows by index, or all.
 */
export async function pgSummary(pool: pg.Pool, now: number, tenantId?: string): Promise<QueueSummary> {
  const params: unknown[] = [startOfUtcDay(now)];
  const tenant = tenantId === undefined ? '' : `AND m.tenant_id = $${params.push(tenantId)}`;
  const { rows } = await storageCall('reading the queue summary', () =>
    pool.query<Record<keyof QueueSummary, string>>(
      `WITH pending AS (
         SELECT count(*) AS messages, coalesce(sum(n_queued), 0) AS queued,
           coalesce(sum(n_deferred), 0) AS deferred, coalesce(sum(n_held), 0) AS held
         FROM queue_messages m WHERE m.completed_at IS NULL ${tenant}),
       today AS (
         SELECT count(*) FILTER (WHERE r->>'status' IN ('bounced', 'expired')) AS "bouncedToday",
           count(*) FILTER (WHERE r->>'status' = 'delivered') AS "deliveredToday"
         FROM queue_messages m CROSS JOIN LATERAL jsonb_array_elements(m.record->'recipients') r
         WHERE m.completed_at >= $1 ${tenant})
       SELECT * FROM pending, today`,
      params,
    ),
  );
  const row = rows[0];
  const n = (key: keyof QueueSummary) => Number(row?.[key] ?? 0);
  return {
    messages: n('messages'),
    queued: n('queued'),
    deferred: n('deferred'),
    held: n('held'),
    bouncedToday: n('bouncedToday'),
    deliveredToday: n('deliveredToday'),
  };
}

/**
 * The stored message's header block as text; undefined for an unknown or purged id. Reads only
 * the first bytes of the body (STORAGE EXTERNAL: a slice of an uncompressed value is read alone).
 */
export async function pgHeaders(pool: pg.Pool, id: string): Promise<string | undefined> {
  const { rows } = await storageCall('reading a message header', () =>
    pool.query<{ head: Buffer }>('SELECT substring(bytes FROM 1 FOR $2) AS head FROM queue_bodies WHERE id = $1', [
      id,
      MAX_HEADER_TEXT_BYTES + 4,
    ]),
  );
  const head = rows[0]?.head;
  return head === undefined ? undefined : headerText(head);
}

/** Held messages, oldest hold first, of one tenant or all; at most `limit` (index `queue_messages_held`). */
export async function pgHeldMessages(
  pool: pg.Pool,
  tenantId: string | undefined,
  limit: number,
): Promise<QueuedMessage[]> {
  const params: unknown[] = [Math.max(0, Math.floor(limit))];
  const tenant = tenantId === undefined ? '' : `AND tenant_id = $${params.push(tenantId)}`;
  const { rows } = await storageCall('reading held messages', () =>
    pool.query<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM queue_messages WHERE held_at IS NOT NULL AND completed_at IS NULL ${tenant}
       ORDER BY held_at, id LIMIT $1`,
      params,
    ),
  );
  return rows.map(messageOfRow);
}
