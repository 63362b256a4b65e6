import type { Database } from 'lmdb';
import { newQueueId } from '../core/ids.js';
import type { MessageLogFilter, MessageLogPage, QueuedMessage } from '../core/types.js';
import type { IndexKey, QueueStores } from './lmdb-store.js';
import { completedEntry, type CompletedEntry } from './records.js';

/** Most messages one `list` call returns, and most log records it reads to find them. */
export const LIST_MAX_LIMIT = 500;
export const LIST_SCAN_BUDGET = 5_000;

/**
 * Ids start with their arrival time (newQueueId(receivedAt)), so a receivedAt range is also
 * an id range. The id range is widened by this much on each side in case a producer ever
 * takes the id a moment apart from receivedAt; the exact receivedAt test is done per record.
 */
export const ID_TIME_SLACK_MS = 60_000;

export type ListFilter = MessageLogFilter;
export type ListPage = MessageLogPage;

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

/** Every pending message (both due indexes and the held one), for the depth counters at open. */
export function* pendingMessages(stores: QueueStores): Generator<QueuedMessage> {
  for (const index of [stores.incoming, stores.deferred, stores.held]) {
    for (const [, id] of index.getKeys()) {
      const msg = stores.messages.get(id);
      if (msg) yield msg;
    }
  }
}

/**
 * The message log, newest first, filtered, reading at most LIST_SCAN_BUDGET records. A
 * since/until range narrows the id range read, so old ranges cost no more than new ones.
 */
export function listMessages(stores: QueueStores, filter: ListFilter): ListPage {
  const limit = Math.min(Math.max(1, Math.floor(filter.limit)), LIST_MAX_LIMIT);
  const range = stores.messages.getRange({ reverse: true, limit: LIST_SCAN_BUDGET, ...idRange(filter) });
  const test = matcher(filter);
  const messages: QueuedMessage[] = [];
  let scanned = 0;
  let last: string | undefined;
  for (const { key, value } of range) {
    scanned++;
    last = key;
    if (test(value)) messages.push(value);
    if (messages.length >= limit) break;
  }
  const more = messages.length >= limit || scanned >= LIST_SCAN_BUDGET;
  return { messages, ...(more && last !== undefined ? { next: last } : {}) };
}

/** Bounds of a reverse read: `start` is the upper end, `end` the (exclusive) lower one. */
function idRange(filter: ListFilter): { start?: string; exclusiveStart?: boolean; end?: string } {
  const upper = filter.until === undefined ? undefined : idTimePrefix(filter.until + ID_TIME_SLACK_MS + 1);
  const lower = filter.since === undefined ? undefined : idTimePrefix(filter.since - ID_TIME_SLACK_MS);
  const fromCursor = filter.before !== undefined && (upper === undefined || filter.before < upper);
  return {
    // A time prefix is never a whole id, so every id of an earlier millisecond sorts below it.
    ...(fromCursor ? { start: filter.before, exclusiveStart: true } : upper === undefined ? {} : { start: upper }),
    ...(lower === undefined ? {} : { end: lower }),
  };
}

/** The first 10 characters of an id taken at `time`: sorts before every id of that millisecond. */
export function idTimePrefix(time: number): string {
  return newQueueId(Math.max(0, Math.floor(time))).slice(0, 10);
}

/** The filter as a test of one record: the one definition of what each filter field means. */
export function matcher(filter: ListFilter): (msg: QueuedMessage) => boolean {
  const recipient = filter.recipient?.toLowerCase();
  const text = filter.text?.toLowerCase();
  return (msg) =>
    (filter.tenantId === undefined || msg.tenantId === filter.tenantId) &&
    (filter.status === undefined || msg.recipients.some((r) => r.status === filter.status)) &&
    (recipient === undefined || msg.recipients.some((r) => r.address.toLowerCase() === recipient)) &&
    (filter.since === undefined || msg.receivedAt >= filter.since) &&
    (filter.until === undefined || msg.receivedAt <= filter.until) &&
    (text === undefined ||
      (msg.subject ?? '').toLowerCase().includes(text) ||
      msg.messageId.toLowerCase().includes(text)) &&
    (filter.accept === undefined || filter.accept(msg));
}

const DAY_MS = 86_400_000;

/** 00:00 UTC of the day `now` falls in. */
export function startOfUtcDay(now: number): number {
  return Math.floor(now / DAY_MS) * DAY_MS;
}

/** Most `completed` index entries one today-count reads (a day of very heavy traffic). */
export const SUMMARY_SCAN_LIMIT = 1_000_000;

/**
 * Delivered and bounced recipients of messages completed from `since` on (one tenant or
 * all), read from the `completed` index: a range read over that period only.
 */
export function completedSince(
  stores: QueueStores,
  since: number,
  tenantId?: string,
): { delivered: number; bounced: number } {
  let delivered = 0;
  let bounced = 0;
  for (const { key, value } of stores.completed.getRange({ start: [since], limit: SUMMARY_SCAN_LIMIT })) {
    const entry = value === true ? legacyEntry(stores, key[1]) : value;
    if (!entry || (tenantId !== undefined && entry.tenantId !== tenantId)) continue;
    delivered += entry.delivered;
    bounced += entry.bounced;
  }
  return { delivered, bounced };
}

/** An index entry from before CompletedEntry existed: count from the record itself. */
function legacyEntry(stores: QueueStores, id: string): CompletedEntry | undefined {
  const msg = stores.messages.get(id);
  return msg ? completedEntry(msg) : undefined;
}
