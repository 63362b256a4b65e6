import type pg from 'pg';
import { storageCall } from '../../store/postgres/pg-errors.js';
import { inTransaction, lockKey } from '../../store/postgres/pg-transaction.js';
import { nextRecord, type OpenEvents, type OpenRecord, type OpenStore } from './open-store.js';

/** Messages whose opens are kept in memory for the synchronous `forMessage` (see `load`). */
const CACHED_MESSAGES_MAX = 10_000;
/** Recipients per message read back at most: bounds a read, as on LMDB. */
const MAX_RECIPIENTS = 1000;

/**
 * OpenStore on PostgreSQL (`pixel_opens`, migration 010): whichever node serves the pixel, every
 * node's API shows the open. A fetch is one transaction under the record's advisory lock, so two
 * nodes counting one recipient at once both count, and only the first open by a person (decided
 * in that transaction) makes a `message.opened` event, written after the commit into this node's
 * outbox (the queue's `outbox`, where feedback events go). `forMessage` stays synchronous: it
 * answers what `load` (called by the API before it reads) or this node's own records put in memory.
 */
export function openPgOpenStore(pool: pg.Pool, events?: OpenEvents): OpenStore {
  const cached = new Map<string, Record<string, OpenRecord>>();
  const keep = (messageId: string, records: Record<string, OpenRecord>): void => {
    cached.delete(messageId);
    cached.set(messageId, records);
    // Oldest first out: a Map iterates in insertion order.
    for (const oldest of cached.keys()) {
      if (cached.size <= CACHED_MESSAGES_MAX) break;
      cached.delete(oldest);
    }
  };
  return {
    async record(event) {
      const recipient = event.recipient.toLowerCase();
      const message = events ? await events.message(event.messageId) : undefined;
      const { current, next } = await inTransaction(pool, 'recording an open', async (client) => {
        await lockKey(client, JSON.stringify(['open', event.messageId, recipient]));
        const { rows } = await client.query<{ record: OpenRecord }>(
          'SELECT record FROM pixel_opens WHERE message_id = $1 AND recipient = $2',
          [event.messageId, recipient],
        );
        const before = rows[0]?.record;
        const after = nextRecord(before, event);
        await client.query(
          `INSERT INTO pixel_opens (message_id, recipient, record) VALUES ($1, $2, $3)
           ON CONFLICT (message_id, recipient) DO UPDATE SET record = EXCLUDED.record`,
          [event.messageId, recipient, JSON.stringify(after)],
        );
        return { current: before, next: after };
      });
      const known = cached.get(event.messageId);
      if (known) known[recipient] = next;
      if (events && message && (current?.humanOpens ?? 0) === 0 && next.humanOpens > 0)
        await events.events.write('message.opened', { message, recipient: event.recipient, at: event.openedAt });
      return next;
    },
    forMessage: (messageId) => ({ ...cached.get(messageId) }),
    async load(messageIds) {
      if (messageIds.length === 0) return;
      const { rows } = await storageCall('reading opens', () =>
        pool.query<{ message_id: string; recipient: string; record: OpenRecord }>(
          `SELECT message_id, recipient, record FROM (
             SELECT message_id, recipient, record,
                    row_number() OVER (PARTITION BY message_id ORDER BY recipient) AS nth
             FROM pixel_opens WHERE message_id = ANY($1::text[])) AS found
           WHERE nth <= $2`,
          [[...new Set(messageIds)], MAX_RECIPIENTS],
        ),
      );
      const byMessage = new Map<string, Record<string, OpenRecord>>(messageIds.map((id) => [id, {}]));
      for (const row of rows) {
        const records = byMessage.get(row.message_id);
        if (records) records[row.recipient] = row.record;
      }
      for (const [id, records] of byMessage) keep(id, records);
    },
    async close() {},
  };
}
