import type { Database } from 'lmdb';
import type { QueuedMessage, RecipientStatus } from '../core/types.js';
import type { IndexKey, QueueStores } from './lmdb-store.js';

/** Most messages one `list` call returns, and most log records it reads to find them. */
export const LIST_MAX_LIMIT = 500;
export const LIST_SCAN_BUDGET = 5_000;

export interface ListFilter {
  /** Messages with at least one recipient in this status. */
  readonly status?: RecipientStatus;
  readonly tenantId?: string;
  readonly limit: number;
  /** Cursor: only messages older than this id (ids sort by arrival time). */
  readonly before?: string;
}

export interface ListPage {
  /** Newest first. */
  readonly messages: QueuedMessage[];
  /** Pass as `before` to continue; undefined when the log has been read to its start. */
  readonly next?: string;
}

/**
 * Due messages from one index, in key order. A bounded range read: it stops at the first key
 * not yet due and reads at most `limit + exclude.size` keys, however long the index is.
 */
export function readDue(
  stores: QueueStores,
  index: Database<true, IndexKey>,
  now: number,
  limit: number,
  exclude: ReadonlySet<string>,
): QueuedMessage[] {
  const out: QueuedMessage[] = [];
  if (limit <= 0) return out;
  for (const [dueAt, id] of index.getKeys({ limit: limit + exclude.size })) {
    if (dueAt > now || out.length >= limit) break;
    if (exclude.has(id)) continue;
    const msg = stores.messages.get(id);
    if (msg) out.push(msg);
  }
  return out;
}

/** The time of the first key of an index (its earliest due time), if any. */
export function firstKeyTime(index: Database<true, IndexKey>): number | undefined {
  for (const [time] of index.getKeys({ limit: 1 })) return time;
  return undefined;
}

/** Every pending message (both due indexes), for the depth counters at open. */
export function* pendingMessages(stores: QueueStores): Generator<QueuedMessage> {
  for (const index of [stores.incoming, stores.deferred]) {
    for (const [, id] of index.getKeys()) {
      const msg = stores.messages.get(id);
      if (msg) yield msg;
    }
  }
}

/** The message log, newest first, filtered, reading at most LIST_SCAN_BUDGET records. */
export function listMessages(stores: QueueStores, filter: ListFilter): ListPage {
  const limit = Math.min(Math.max(1, Math.floor(filter.limit)), LIST_MAX_LIMIT);
  const range = stores.messages.getRange({
    reverse: true,
    limit: LIST_SCAN_BUDGET,
    ...(filter.before === undefined ? {} : { start: filter.before, exclusiveStart: true }),
  });
  const messages: QueuedMessage[] = [];
  let scanned = 0;
  let last: string | undefined;
  for (const { key, value } of range) {
    scanned++;
    last = key;
    if (matches(value, filter)) messages.push(value);
    if (messages.length >= limit) break;
  }
  const more = messages.length >= limit || scanned >= LIST_SCAN_BUDGET;
  return { messages, ...(more && last !== undefined ? { next: last } : {}) };
}

function matches(msg: QueuedMessage, filter: ListFilter): boolean {
  if (filter.tenantId !== undefined && msg.tenantId !== filter.tenantId) return false;
  return filter.status === undefined || msg.recipients.some((r) => r.status === filter.status);
}
