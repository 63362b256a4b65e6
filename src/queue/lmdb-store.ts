import type { Database, RootDatabase } from 'lmdb';
import type { Storage } from '../store/storage.js';
import { closeSettled, guardBatch } from '../store/lmdb-close.js';
import { GatewayError } from '../core/gateway-error.js';
import type { QueuedMessage } from '../core/types.js';
import { completedEntry, placement, samePlacement, type CompletedEntry, type Placement } from './records.js';
import { tenantDueKey, type TenantDueKey } from './tenant-due.js';
import { removeRendered, type RenderedDbs, type RenderedRecord } from './rendered-records.js';
import type { AnnotationDb, EncodedAnnotation } from './annotations.js';
import type { EventInterest } from '../core/events.js';
import { eventsOfChange, eventsOfInsert, openOutboxDb, putEvents, wantsOf, type EventOutbox } from './event-outbox.js';

/** `[time, id]`: ordered-binary sorts arrays element by element, so a range read walks time order. */
export type IndexKey = [number, string];

/**
 * The LMDB environment and its named databases:
 * - messages: id → QueuedMessage (msgpack); kept after completion as the message log
 * - bodies: id → raw message bytes, stored as they are (`binary`), while the message is
 *   pending. At completion the body moves to the BodyArchive (its own environment, see
 *   body-archive.ts); it stays here only when the archive write failed, until purgeCompleted
 * - incoming: [receivedAt, id] for never-attempted mail; deferred: [dueAt, id] for the rest
 * - held: [heldAt, id] for messages whose pending recipients are all held (never read by due())
 * - tenantDue: [tenantId, lane, time, id], incoming and deferred again per tenant (tenant-due.ts),
 *   so that fair delivery reads one tenant's due mail without reading past another's backlog
 * - completed: [completedAt, id] → CompletedEntry, so that purging old log entries and
 *   counting today's outcomes are range reads. Entries written before CompletedEntry
 *   existed hold `true`: readers fall back to the record.
 * - leases: id → start time of the attempt in flight (attempt-leases.ts), to count replays after a crash
 * - rendered, rendered-parts: a pending message's rendered deliveries (rendered-records.ts)
 * - annotations: what the pipeline noted about a message, for its log (annotations.ts; opened by LmdbQueue)
 * - event-outbox: webhook events, written with the change they describe (event-outbox.ts)
 */
export interface QueueStores extends RenderedDbs {
  readonly root: RootDatabase;
  readonly messages: Database<QueuedMessage, string>;
  readonly bodies: Database<Buffer, string>;
  readonly incoming: Database<true, IndexKey>;
  readonly deferred: Database<true, IndexKey>;
  readonly held: Database<true, IndexKey>;
  readonly tenantDue: Database<true, TenantDueKey>;
  readonly completed: Database<CompletedEntry | true, IndexKey>;
  readonly leases: Database<number, string>;
  readonly outbox: EventOutbox;
}

export interface Change {
  readonly before: QueuedMessage;
  readonly after: QueuedMessage;
}

/** Opens (and creates) the queue's named databases (storage's sync options: never noSync/useWritemap). */
export function openStores(storage: Storage, interest: EventInterest = () => false): QueueStores {
  try {
    const root = storage.open('queue');
    return {
      root,
      messages: root.openDB<QueuedMessage, string>('messages', { encoding: 'msgpack' }),
      bodies: root.openDB<Buffer, string>('bodies', { encoding: 'binary' }),
      incoming: root.openDB<true, IndexKey>('incoming', { encoding: 'msgpack' }),
      deferred: root.openDB<true, IndexKey>('deferred', { encoding: 'msgpack' }),
      held: root.openDB<true, IndexKey>('held', { encoding: 'msgpack' }),
      tenantDue: root.openDB<true, TenantDueKey>('tenant-due', { encoding: 'msgpack' }),
      completed: root.openDB<CompletedEntry | true, IndexKey>('completed', { encoding: 'msgpack' }),
      leases: root.openDB<number, string>('leases', { encoding: 'msgpack' }),
      rendered: root.openDB<RenderedRecord, string>('rendered', { encoding: 'msgpack' }),
      renderedParts: root.openDB<Buffer, string>('rendered-parts', { encoding: 'binary' }),
      outbox: { db: openOutboxDb(root), interest },
    };
  } catch (err) {
    throw new GatewayError('E_STORAGE', `cannot open queue in ${storage.dataDir}: ${String(err)}`, { cause: err });
  }
}

/**
 * Stores a new message. Plain puts issued in one event turn: lmdb-js commits everything
 * written in the same turn as one transaction (event-turn batching), so the record, body and
 * index entry land together, and concurrent enqueues of that turn share one commit and fsync.
 * May throw synchronously (closed database); the promise rejects if the commit fails.
 */
export function insertMessage(stores: QueueStores, record: QueuedMessage, body: Buffer): Promise<unknown> {
  const writes = putMessage(stores, record, body);
  guardBatch(stores.root);
  return Promise.all(writes);
}

/** The puts of a new message: record, body and its index entries. */
function putMessage(stores: QueueStores, record: QueuedMessage, body: Buffer): Promise<boolean>[] {
  const writes: Promise<boolean>[] = [stores.messages.put(record.id, record), stores.bodies.put(record.id, body)];
  const to = placement(record);
  if (to) {
    writes.push(indexOf(stores, to).put(to.key, true));
    const byTenant = tenantDueKey(record.tenantId, to);
    if (byTenant) writes.push(stores.tenantDue.put(byTenant, true));
  } else if (record.completedAt !== undefined) {
    writes.push(stores.completed.put([record.completedAt, record.id], completedEntry(record)));
  }
  putEvents(stores.outbox, eventsOfInsert(record, wantsOf(stores.outbox, record.tenantId)));
  return writes;
}

/**
 * One plan's effects in one transaction: the new messages (skipped when their id is already in
 * use: a retry built the same copy again) and the encoded annotations. Everything is prepared
 * before: nothing in the callback throws, so the transaction is all or nothing (a failed commit
 * writes none of it). Resolves with the records inserted.
 */
export function insertEffects(
  stores: QueueStores,
  annotations: AnnotationDb,
  copies: ReadonlyArray<{ readonly record: QueuedMessage; readonly body: Buffer }>,
  notes: readonly EncodedAnnotation[],
): Promise<QueuedMessage[]> {
  const done = stores.root.transaction(() => {
    const inserted = copies.filter((c) => !stores.messages.doesExist(c.record.id));
    for (const c of inserted) void putMessage(stores, c.record, c.body);
    for (const n of notes) void annotations.put(n.queueId, n.bytes);
    return inserted.map((c) => c.record);
  });
  guardBatch(stores.root);
  return done;
}

/**
 * A resend in one transaction: the new message (record, body, index entries) and the link on
 * the original (`link` adds the new id to its `resentAs`). Resolves false when the original is gone.
 */
export function insertLinked(
  stores: QueueStores,
  record: QueuedMessage,
  body: Buffer,
  originalId: string,
  link: (original: QueuedMessage) => QueuedMessage,
): Promise<boolean> {
  const done = stores.root.transaction(() => {
    const original = stores.messages.get(originalId);
    if (!original || stores.messages.doesExist(record.id)) return false;
    void putMessage(stores, record, body);
    void stores.messages.put(originalId, link(original));
    return true;
  });
  guardBatch(stores.root);
  return done;
}

/**
 * Read-modify-write of one message in one transaction. `next` is pure and runs before any
 * write, because a throw inside lmdb's async `transaction()` does not roll back what was
 * already written. `next` may throw (a GatewayError E_CONFLICT from an admin action): then
 * nothing is written and the promise rejects with that error (checked with lmdb 3.5.6: the
 * other writes of the batch still commit). Resolves undefined for an unknown id (nothing written).
 * `bodyArchived`: the body is durably in the archive, so a change that completes the message
 * deletes it here in the same transaction (its pages are then reused for new mail).
 * `also` issues further writes in the same transaction, after `next` (it must not throw).
 */
export function updateMessage(
  stores: QueueStores,
  id: string,
  next: (msg: QueuedMessage) => QueuedMessage,
  bodyArchived = false,
  also?: (after: QueuedMessage) => void,
  now = Date.now(),
): Promise<Change | undefined> {
  const done = stores.root.transaction((): Change | undefined => {
    const before = stores.messages.get(id);
    if (!before) return undefined;
    const after = next(before);
    if (after !== before) {
      writeChange(stores, before, after, bodyArchived);
      putEvents(stores.outbox, eventsOfChange(before, after, now, wantsOf(stores.outbox, after.tenantId)));
    }
    // Writes that belong to the same change (a review hold's rendered form); `next` did not throw.
    also?.(after);
    return { before, after };
  });
  guardBatch(stores.root);
  return done;
}

function writeChange(stores: QueueStores, before: QueuedMessage, after: QueuedMessage, bodyArchived: boolean): void {
  const from = placement(before);
  const to = placement(after);
  if (!samePlacement(from, to)) {
    if (from) void indexOf(stores, from).remove(from.key);
    if (to) void indexOf(stores, to).put(to.key, true);
    const fromTenant = tenantDueKey(before.tenantId, from);
    const toTenant = tenantDueKey(after.tenantId, to);
    if (fromTenant) void stores.tenantDue.remove(fromTenant);
    if (toTenant) void stores.tenantDue.put(toTenant, true);
  }
  if (after.completedAt !== undefined && before.completedAt === undefined) {
    void stores.completed.put([after.completedAt, after.id], completedEntry(after));
    // Without an archived copy the body stays here until purgeKeys removes record and body together.
    if (bodyArchived) void stores.bodies.remove(after.id);
    // Nothing is sent again: the rendered form goes with the last pending recipient.
    removeRendered(stores, after.id);
  }
  void stores.messages.put(after.id, after);
}

/**
 * Adds a pending message's tenantDue entry when it is missing: queues written before that
 * index existed get it at their first open (openQueue reads every pending record anyway).
 */
export function restoreTenantDue(stores: QueueStores, msg: QueuedMessage): void {
  const key = tenantDueKey(msg.tenantId, placement(msg));
  if (key && !stores.tenantDue.doesExist(key)) {
    void stores.tenantDue.put(key, true);
    guardBatch(stores.root);
  }
}

/** Up to `max` keys of the `completed` index for messages completed before `olderThan`, oldest first. */
export function completedBefore(stores: QueueStores, olderThan: number, max: number): IndexKey[] {
  // [olderThan] sorts before every [olderThan, id]: the exclusive end keeps exactly `completedAt < olderThan`.
  return [...stores.completed.getKeys({ end: [olderThan], limit: max })];
}

/** Deletes these log records (keys from completedBefore), with any body left here, in one transaction. */
export async function purgeKeys(stores: QueueStores, keys: readonly IndexKey[], notes?: AnnotationDb): Promise<number> {
  if (keys.length === 0) return 0;
  const done = stores.root.transaction(() => {
    for (const key of keys) {
      void stores.messages.remove(key[1]);
      void stores.bodies.remove(key[1]);
      removeRendered(stores, key[1]);
      void notes?.remove(key[1]);
      void stores.completed.remove(key);
    }
  });
  guardBatch(stores.root);
  await done;
  return keys.length;
}

/**
 * One small committed write. LMDB reuses the pages a transaction freed only from the second
 * transaction after it (older snapshots may still be read), and an empty write commits
 * nothing. After a purge on a full disk, this write lets the very next enqueue use the
 * pages the purge freed instead of failing with "disk full" until something else writes.
 */
export async function commitMarker(stores: QueueStores): Promise<void> {
  const key: IndexKey = [-1, 'marker'];
  const done = stores.root.transaction(() => {
    void stores.completed.put(key, true);
    void stores.completed.remove(key);
  });
  guardBatch(stores.root);
  await done;
}

/**
 * Releases the queue's view of the storage after a last empty write, so a batch that failed
 * before (disk full) is settled first (store/lmdb-close.ts).
 */
export async function closeStores(stores: QueueStores): Promise<void> {
  await closeSettled(stores.root, stores.completed.remove([-1, '']));
}

export function indexOf(stores: QueueStores, where: Placement): Database<true, IndexKey> {
  return stores[where.index];
}

/** Resolves once the batch being written in this event turn is fsynced (call it right after the puts). */
export function flushOfCurrentBatch(root: RootDatabase): Promise<unknown> {
  // `then` is called now, synchronously: lmdb picks the flush promise of the current batch.
  return new Promise((resolve, reject) => {
    root.flushed.then(resolve, reject);
  });
}
