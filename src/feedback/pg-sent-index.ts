import type pg from 'pg';
import type { Logger } from '../core/logger.js';
import { storageCall } from '../store/postgres/pg-errors.js';
import { inTransaction } from '../store/postgres/pg-transaction.js';
import { bareMessageId, lookedUp, type SentIndex } from './sent-index.js';

/** Rows one purge statement removes at most (a short transaction each). */
const PURGE_BATCH = 1000;
/** Keys this node remembers having recorded, so a retry does not write again; forgotten all at once past this. */
const REMEMBERED = 10_000;
/** Recorded Message-IDs are written together after this wait, at most this many per statement. */
const FLUSH_AFTER_MS = 20;
const FLUSH_MAX = 500;

interface SentRow {
  readonly key: string;
  readonly tenantId: string;
  readonly id: string;
  readonly queueId: string;
  readonly at: number;
}

export interface PgSentIndex extends SentIndex {
  /** Drops every Message-ID of the tenant (tenant purge); how many. */
  removeTenant(tenantId: string): Promise<number>;
  /** Resolves when the writes started so far have ended (close, tests). */
  settled(): Promise<void>;
}

/**
 * The sent index on PostgreSQL (migration 009, `mx_sent`): the pipeline of any node records, and
 * the MX of any node finds, so a reply or DSN received by another node than the one that sent
 * still finds its message. Recording stays fire-and-forget (a failed write is logged: replies to
 * that message will not be forwarded), the first sending keeps its entry (ON CONFLICT DO NOTHING).
 * The entries of 20 ms are one INSERT, committed without waiting for the disk (synchronous_commit
 * off for that transaction only): one commit and fsync per message doubled the database's work per
 * message, and an entry lost to a crash costs only the forwarding of replies to that message.
 */
export function createPgSentIndex(pool: pg.Pool, logger: Logger): PgSentIndex {
  const recorded = new Set<string>();
  const writes = new Set<Promise<unknown>>();
  let pending: SentRow[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    while (pending.length > 0) {
      const rows = pending.slice(0, FLUSH_MAX);
      pending = pending.slice(FLUSH_MAX);
      const write = insertRows(pool, rows)
        .catch((err: unknown) => {
          for (const row of rows) recorded.delete(row.key);
          const queueIds = rows.map((r) => r.queueId);
          logger.warn({ err, queueIds }, 'could not index the Message-IDs: replies to them will not be forwarded');
        })
        .finally(() => writes.delete(write));
      writes.add(write);
    }
  };
  return {
    record(tenantId, messageId, queueId, at) {
      const id = bareMessageId(messageId);
      const key = `${tenantId}/${id}`;
      if (id === '' || recorded.has(key)) return;
      if (recorded.size >= REMEMBERED) recorded.clear();
      recorded.add(key);
      pending.push({ key, tenantId, id, queueId, at });
      if (pending.length >= FLUSH_MAX) flush();
      else timer ??= setTimeout(flush, FLUSH_AFTER_MS);
    },
    async find(tenantId, messageIds) {
      const ids = lookedUp(messageIds);
      if (ids.length === 0) return undefined;
      const { rows } = await storageCall('looking up sent Message-IDs', () =>
        pool.query<{ message_id: string; queue_id: string }>(
          'SELECT message_id, queue_id FROM mx_sent WHERE tenant_id = $1 AND message_id = ANY($2::text[])',
          [tenantId, ids],
        ),
      );
      const found = new Map(rows.map((r) => [r.message_id, r.queue_id]));
      return ids.map((id) => found.get(id)).find((queueId) => queueId !== undefined);
    },
    async purgeCompleted(olderThan) {
      let purged = 0;
      for (;;) {
        const { rowCount } = await storageCall('purging sent Message-IDs', () =>
          pool.query(
            `DELETE FROM mx_sent WHERE ctid IN
               (SELECT ctid FROM mx_sent WHERE at < $1 ORDER BY at LIMIT ${PURGE_BATCH})`,
            [olderThan],
          ),
        );
        purged += rowCount ?? 0;
        if ((rowCount ?? 0) < PURGE_BATCH) return purged;
      }
    },
    async removeTenant(tenantId) {
      const { rowCount } = await storageCall("removing a tenant's sent Message-IDs", () =>
        pool.query('DELETE FROM mx_sent WHERE tenant_id = $1', [tenantId]),
      );
      for (const key of recorded) if (key.startsWith(`${tenantId}/`)) recorded.delete(key);
      return rowCount ?? 0;
    },
    async settled() {
      flush();
      await Promise.all([...writes]);
    },
  };
}

async function insertRows(pool: pg.Pool, rows: readonly SentRow[]): Promise<void> {
  await inTransaction(pool, 'indexing sent Message-IDs', async (client) => {
    await client.query('SET LOCAL synchronous_commit = off');
    await client.query(
      `INSERT INTO mx_sent (tenant_id, message_id, queue_id, at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[])
       ON CONFLICT (tenant_id, message_id) DO NOTHING`,
      [rows.map((r) => r.tenantId), rows.map((r) => r.id), rows.map((r) => r.queueId), rows.map((r) => r.at)],
    );
  });
}
