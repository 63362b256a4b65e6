import type pg from 'pg';
import type { Logger } from '../core/logger.js';
import { storageCall } from '../store/postgres/pg-errors.js';
import { bareMessageId, lookedUp, type SentIndex } from './sent-index.js';

/** Rows one purge statement removes at most (a short transaction each). */
const PURGE_BATCH = 1000;
/** Keys this node remembers having recorded, so a retry does not write again; forgotten all at once past this. */
const REMEMBERED = 10_000;

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
 */
export function createPgSentIndex(pool: pg.Pool, logger: Logger): PgSentIndex {
  const recorded = new Set<string>();
  const writes = new Set<Promise<unknown>>();
  return {
    record(tenantId, messageId, queueId, at) {
      const id = bareMessageId(messageId);
      const key = `${tenantId}/${id}`;
      if (id === '' || recorded.has(key)) return;
      if (recorded.size >= REMEMBERED) recorded.clear();
      recorded.add(key);
      const write = pool
        .query(
          `INSERT INTO mx_sent (tenant_id, message_id, queue_id, at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (tenant_id, message_id) DO NOTHING`,
          [tenantId, id, queueId, at],
        )
        .catch((err: unknown) => {
          recorded.delete(key);
          logger.warn({ err, queueId }, 'could not index the Message-ID: replies to it will not be forwarded');
        })
        .finally(() => writes.delete(write));
      writes.add(write);
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
      await Promise.all([...writes]);
    },
  };
}
