import { join } from 'node:path';
import { systemClock, type Clock } from '../core/clock.js';
import { GatewayError } from '../core/gateway-error.js';
import type { Logger } from '../core/logger.js';
import type { LogNote, NewMessage, QueuedMessage, QueueSummary, RecipientResult } from '../core/types.js';
import { applyCancel, applyHold, applyRelease, applyRetryNow } from './admin-actions.js';
import { putLease, removeLease, takeLeftLeases } from './attempt-leases.js';
import { BodyArchive } from './body-archive.js';
import { DepthCounter, type QueueDepth } from './depth-counter.js';
import { FailureSignal } from './failure-signal.js';
import {
  closeStores,
  commitMarker,
  completedBefore,
  flushOfCurrentBatch,
  insertEffects,
  insertLinked,
  insertMessage,
  openStores,
  purgeKeys,
  restoreTenantDue,
  updateMessage,
  type Change,
  type QueueStores,
} from './lmdb-store.js';
import { headerText } from './header-text.js';
import { encodeAnnotation, openAnnotations, readAnnotation, type AnnotationDb } from './annotations.js';
import type { PlanEffects, QueuedCopy } from '../core/effects.js';
import { applyLateBounce, applyNote, changeLate } from './late-outcomes.js';
import {
  completedSince,
  firstKeyTime,
  listMessages,
  pendingMessages,
  readDue,
  startOfUtcDay,
  type ListFilter,
  type ListPage,
} from './queue-reads.js';
import { applyExpiry, applyResults, newRecord } from './records.js';
import { keepRenderedIn, readRendered, writeRendered } from './rendered-records.js';
import type { HoldRequest, ReviewEdit } from '../core/hold.js';
import { applyReviewEdit, applyReviewEnd, applyReviewHold, withResend, type ReviewEnd } from './review-records.js';
import type { RenderedMessage } from '../core/rendered.js';
import type { RetryPolicy } from './retry-schedule.js';
import type { BlobStore } from '../store/blob-store.js';
import { toStorageError } from '../store/storage-errors.js';
import { guardBatch } from '../store/lmdb-close.js';
import type { Storage } from '../store/storage.js';
import { readTenantDue } from './tenant-due.js';
import type { EventInterest } from '../core/events.js';
import type { EventOutbox } from './event-outbox.js';
import type { GatewayQueue } from './gateway-queue.js';

export interface QueueOptions {
  /** Where the queue's named databases live (`queue/…`). */
  readonly storage: Storage;
  /** Directory of the finished bodies' environment (see BodyArchive); default `<dataDir>/queue-archive`. */
  readonly archivePath?: string;
  readonly retry: RetryPolicy;
  readonly logger: Logger;
  /** For jitter tests; default Math.random. */
  readonly random?: () => number;
  /** Where "today" of summary() comes from; default Date.now. */
  readonly clock?: Clock;
  /**
   * Resolves once what was just written is on disk. Called in the same event turn as the
   * writes of an enqueue. Default: the fsync of lmdb's current batch. Tests replace it to hold the sync.
   */
  readonly waitDurable?: () => Promise<unknown>;
  /**
   * The process that delivers from this queue (the gateway, not the CLI) takes the attempt
   * leases a crashed process left: counted in `replayed` and the open log line, then removed.
   */
  readonly takeLeases?: boolean;
  /**
   * Counts the pending mail at open for depth() (default true). A receiving worker, whose depth nobody reads (the
   * delivering worker serves the metrics), skips the scan of every pending record: with a deep queue, a long start.
   */
  readonly countDepth?: boolean;
  /** Which tenants' webhooks want which events: those are written to the outbox with each change (event-outbox.ts). */
  readonly events?: EventInterest;
}

/** A copy's record: held from the start when its message is held for review. */
function copyRecord(copy: QueuedCopy): QueuedMessage {
  const record = newRecord(copy.message, copy.raw.length);
  return copy.held === undefined ? record : applyHold(record, copy.message.receivedAt, copy.held);
}

/** Log records purged per transaction by purgeCompleted, and the most rounds one call makes. */
const PURGE_BATCH = 1_000;
const PURGE_MAX_ROUNDS = 10_000;

/** Opens the queue in `options.storage`, counting pending mail once for depth(). Throws GatewayError E_STORAGE. */
export function openQueue(options: QueueOptions): LmdbQueue {
  const stores = openStores(options.storage, options.events);
  const archivePath = options.archivePath ?? join(options.storage.dataDir, 'queue-archive');
  let archive: BlobStore;
  try {
    archive = BodyArchive.open(archivePath, options.logger);
  } catch (err) {
    void closeStores(stores);
    throw err;
  }
  const depth = new DepthCounter();
  if (options.countDepth !== false)
    for (const msg of pendingMessages(stores)) {
      depth.add(msg);
      restoreTenantDue(stores, msg);
    }
  const replayed = options.takeLeases ? takeLeftLeases(stores) : 0;
  options.logger.info(
    { dataDir: options.storage.dataDir, archivePath, depth: depth.snapshot(), replayed },
    'queue opened',
  );
  return new LmdbQueue(stores, archive, options, depth, replayed);
}

/** The durable queue on LMDB; see MessageQueue and MessageLog in core/types.ts for the contract. */
/** The archive key of a message's "as sent" bytes (queue ids hold no dot). */
const sentKey = (id: string): string => `${id}.sent`;

export class LmdbQueue implements GatewayQueue {
  private readonly failures = new FailureSignal();
  private readonly retry: RetryPolicy;
  private readonly logger: Logger;
  private readonly random: () => number;
  private readonly clock: Clock;
  private readonly waitDurable: () => Promise<unknown>;
  private closing: Promise<void> | undefined;
  private readonly annotations: AnnotationDb;

  constructor(
    private readonly stores: QueueStores,
    private readonly archive: BlobStore,
    options: QueueOptions,
    private readonly counter: DepthCounter,
    /** Messages that were in flight when the previous process died (0 unless opened with takeLeases). */
    readonly replayed = 0,
  ) {
    this.retry = options.retry;
    this.logger = options.logger;
    this.random = options.random ?? Math.random;
    this.clock = options.clock ?? systemClock;
    this.waitDurable = options.waitDurable ?? (() => flushOfCurrentBatch(stores.root));
    this.annotations = openAnnotations(stores.root);
  }

  /**
   * Resolves only once the message is fsynced: inbound answers 250 then. With lmdb's default
   * overlappingSync, a write's promise resolves at *commit* and the fsync follows, so we
   * await the commit, then the flush of the same batch (taken in the same turn as the puts).
   * Nothing here serialises enqueues: all those of one event turn share one commit and fsync.
   */
  async enqueue(message: NewMessage, body: Buffer): Promise<QueuedMessage> {
    const record = newRecord(message, body.length);
    const ticket = this.failures.ticket();
    let pending: { committed: Promise<unknown>; durable: Promise<unknown> };
    try {
      pending = this.write(record, body);
    } catch (err) {
      throw await this.failure('enqueue', err);
    }
    try {
      await pending.committed;
    } catch (err) {
      throw await this.failure('enqueue', err);
    }
    this.counter.add(record);
    try {
      await this.failures.guard(pending.durable, ticket);
    } catch (err) {
      const cause = await this.failure('enqueue sync', err);
      // Committed (it will be delivered) but not known to be on disk: the client must retry.
      throw new GatewayError(cause.code, `queue enqueue ${record.id} not confirmed on disk: ${cause.message}`, {
        cause,
      });
    }
    return record;
  }

  /** Issues the writes of one enqueue and takes the flush of their batch, all in this event turn. */
  private write(record: QueuedMessage, body: Buffer): { committed: Promise<unknown>; durable: Promise<unknown> } {
    if (this.stores.messages.doesExist(record.id)) {
      // Overwriting would orphan the old index entries; ids are random, so this is a caller bug.
      throw new GatewayError('E_STORAGE', `queue enqueue: id ${record.id} is already in use`);
    }
    const committed = insertMessage(this.stores, record, body);
    let durable: Promise<unknown>;
    try {
      durable = this.waitDurable();
    } catch (err) {
      durable = Promise.reject(err); // the writes are issued: still count them once committed
    }
    durable.catch(() => undefined); // awaited after the commit; an early rejection is not unhandled
    return { committed, durable };
  }

  /**
   * One plan's effects (accountant copies, annotations) in one transaction, durable like an
   * enqueue before it resolves; a copy whose id is already queued is left alone. Rejects with
   * nothing written: a note that is not JSON, a closed queue, a failed commit.
   */
  async writeEffects(effects: PlanEffects): Promise<readonly QueuedMessage[]> {
    const notes = effects.annotations.map(encodeAnnotation);
    const copies = effects.copies.map((c) => ({ record: copyRecord(c), body: c.raw }));
    if (copies.length === 0 && notes.length === 0) return [];
    const ticket = this.failures.ticket();
    let inserted: QueuedMessage[];
    let durable: Promise<unknown>;
    try {
      const committed = insertEffects(this.stores, this.annotations, copies, notes);
      durable = this.waitDurable();
      durable.catch(() => undefined); // awaited after the commit; an early rejection is not unhandled
      inserted = await committed;
    } catch (err) {
      throw await this.failure('effects', err);
    }
    for (const record of inserted) this.counter.add(record);
    try {
      await this.failures.guard(durable, ticket);
    } catch (err) {
      throw await this.failure('effects sync', err);
    }
    return inserted;
  }

  /** Where the inbound feedback stores put their events, inside their own transactions (event-outbox.ts). */
  get outbox(): EventOutbox {
    return this.stores.outbox;
  }

  annotation<T extends object>(queueId: string): T | undefined {
    return readAnnotation<T>(this.annotations, queueId);
  }

  get(id: string): QueuedMessage | undefined {
    return this.stores.messages.get(id);
  }

  /** Pending mail's body from the queue, finished mail's from the archive. */
  body(id: string): Buffer | undefined {
    return this.stores.bodies.get(id) ?? this.archive.get(id);
  }

  headers(id: string): string | undefined {
    // getBinaryFast lends lmdb's buffer until the next read: take the header part at once, copy nothing else.
    const raw = this.stores.bodies.getBinaryFast(id);
    return raw === undefined ? this.archive.peek(id, headerText) : headerText(raw);
  }

  asSent(id: string): Buffer | undefined {
    return this.archive.get(sentKey(id));
  }

  keepSent(id: string, raw: Buffer): void {
    // BlobStore.put never rejects: a failure is logged there and only leaves the "as sent" view empty.
    void this.archive.put(sentKey(id), raw);
  }

  due(now: number, limit: number, exclude: ReadonlySet<string>): QueuedMessage[] {
    const fresh = readDue(this.stores, this.stores.incoming, now, limit, exclude);
    const room = limit - fresh.length;
    return room > 0 ? [...fresh, ...readDue(this.stores, this.stores.deferred, now, room, exclude)] : fresh;
  }

  /** Tenants with queued or deferred recipients (due now or later), from the in-memory counters. */
  dueTenants(): string[] {
    return this.counter.dueTenants();
  }

  /** Like due(), for one tenant: reads that tenant's entries only, however long other backlogs are. */
  dueOf(tenantId: string, now: number, limit: number, exclude: ReadonlySet<string>): QueuedMessage[] {
    if (limit <= 0) return [];
    return readTenantDue(this.stores.tenantDue, this.stores.messages, tenantId, { now, limit, exclude });
  }

  nextDueAt(): number | undefined {
    const times = [firstKeyTime(this.stores.incoming), firstKeyTime(this.stores.deferred)].filter(
      (t): t is number => t !== undefined,
    );
    return times.length > 0 ? Math.min(...times) : undefined;
  }

  /**
   * Resolves at commit, without waiting for the fsync: a committed write is in the OS's file
   * cache and survives a killed process; only a power loss before the next fsync replays the
   * attempt (at-least-once). Delivery calls it as soon as a delivery's 250s are in, so the
   * records of one event turn share one commit.
   */
  record(id: string, results: readonly RecipientResult[], now: number): Promise<QueuedMessage> {
    const { retry, random } = this;
    // Whether it completes does not depend on jitter: the preview leaves the injected random alone.
    const preview = (msg: QueuedMessage): QueuedMessage => applyResults(msg, results, now, retry, () => 0.5);
    return this.change('record', id, (msg) => applyResults(msg, results, now, retry, random), preview);
  }

  lease(id: string, now: number): void {
    this.leaseWrite('lease', () => putLease(this.stores, id, now));
  }

  unlease(id: string): void {
    this.leaseWrite('unlease', () => removeLease(this.stores, id));
  }

  /**
   * Lease writes are not awaited by anyone: a failure is reported here like any failed write.
   * After close() they are skipped: an attempt that outlived the stop's grace ends later, and a
   * put on a closed environment throws from lmdb's own timer, where nobody can catch it.
   */
  private leaseWrite(action: string, write: () => Promise<unknown>): void {
    if (this.closing) return;
    try {
      write().catch((err: unknown) => {
        void this.failure(action, err);
      });
    } catch (err) {
      void this.failure(action, err);
    }
  }

  expire(id: string, addresses: readonly string[], now: number, reason: string): Promise<QueuedMessage> {
    return this.change('expire', id, (msg) => applyExpiry(msg, addresses, now, reason));
  }

  depth(): QueueDepth {
    return this.counter.snapshot();
  }

  noteQueued(records: readonly QueuedMessage[]): void {
    for (const record of records) this.counter.add(record);
  }

  /** One scan of the pending messages, as at open; the counters then say what is on disk. */
  recount(): void {
    const fresh = new DepthCounter();
    for (const msg of pendingMessages(this.stores)) fresh.add(msg);
    this.counter.reset(fresh.byTenants());
  }

  /** The message log, newest first (bounded; see ListPage.next to page on). */
  list(filter: ListFilter): ListPage {
    return listMessages(this.stores, filter);
  }

  /** Pending counts from memory; today's outcomes from the `completed` index since 00:00 UTC. */
  summary(tenantId?: string): QueueSummary {
    const today = completedSince(this.stores, startOfUtcDay(this.clock()), tenantId);
    return { ...this.counter.snapshot(tenantId), bouncedToday: today.bounced, deliveredToday: today.delivered };
  }

  countPending(tenantId: string): number {
    return this.counter.snapshot(tenantId).messages;
  }

  retryNow(id: string, now: number): Promise<QueuedMessage> {
    return this.change('retry', id, (msg) => applyRetryNow(msg, now));
  }

  hold(id: string, now: number, reason?: string): Promise<QueuedMessage> {
    return this.change('hold', id, (msg) => applyHold(msg, now, reason));
  }

  release(id: string, now: number, reason?: string): Promise<QueuedMessage> {
    return this.change('release', id, (msg) => applyRelease(msg, now, reason));
  }

  cancel(id: string, now: number, reason: string): Promise<QueuedMessage> {
    return this.change('cancel', id, (msg) => applyCancel(msg, now, reason));
  }

  /**
   * Holds the message for the tenant's review and keeps `rendered` (what would have left) in the
   * same transaction, so a release sends exactly what was reviewed (src/pipeline/review/).
   */
  holdForReview(id: string, now: number, request: HoldRequest, rendered: RenderedMessage): Promise<QueuedMessage> {
    const kept = { ...rendered, reviewed: true };
    return this.change(
      'hold for review',
      id,
      (msg) => applyReviewHold(msg, now, request),
      undefined,
      () => writeRendered(this.stores, id, kept),
    );
  }

  /** Keeps the tenant's edit with a held message and its new rendering, in one transaction. */
  editReview(id: string, edit: ReviewEdit, rendered: RenderedMessage): Promise<QueuedMessage> {
    const kept = { ...rendered, reviewed: true };
    return this.change(
      'review edit',
      id,
      (msg) => applyReviewEdit(msg, edit),
      undefined,
      () => writeRendered(this.stores, id, kept),
    );
  }

  /** Releases or cancels a review hold (see review-records.ts). */
  endReview(id: string, now: number, ended: ReviewEnd, reason: string): Promise<QueuedMessage> {
    return this.change(`review ${ended.outcome}`, id, (msg) => applyReviewEnd(msg, now, ended, reason));
  }

  /** Held messages, oldest hold first, of one tenant or all; at most `limit`, reading at most `limit * 20` records. */
  heldMessages(tenantId: string | undefined, limit: number): QueuedMessage[] {
    const out: QueuedMessage[] = [];
    for (const [, id] of this.stores.held.getKeys({ limit: limit * 20 })) {
      const msg = this.stores.messages.get(id);
      if (msg && (tenantId === undefined || msg.tenantId === tenantId)) out.push(msg);
      if (out.length >= limit) break;
    }
    return out;
  }

  /**
   * Queues `message` as a resend of `originalId` and links both, in one transaction, durable
   * like an enqueue. Throws E_MESSAGE_UNKNOWN when the original is gone.
   */
  async resend(originalId: string, message: NewMessage, body: Buffer): Promise<QueuedMessage> {
    const record = newRecord(message, body.length);
    let inserted: boolean;
    try {
      const committed = insertLinked(this.stores, record, body, originalId, (o) => withResend(o, record.id));
      const durable = this.waitDurable();
      durable.catch(() => undefined); // awaited after the commit
      inserted = await committed;
      if (inserted) await durable;
    } catch (err) {
      throw await this.failure('resend', err);
    }
    if (!inserted) throw new GatewayError('E_MESSAGE_UNKNOWN', `no message ${originalId} in the queue`);
    this.counter.add(record);
    return record;
  }

  /** A pending message's rendered deliveries (see core/rendered.ts); undefined when none were kept. */
  rendered(id: string): RenderedMessage | undefined {
    return readRendered(this.stores, id);
  }

  /** One transaction; nothing is written for a message that is unknown or already complete. */
  async keepRendered(id: string, next: RenderedMessage): Promise<void> {
    try {
      const done = this.stores.root.transaction(() => keepRenderedIn(this.stores, id, next));
      guardBatch(this.stores.root);
      await done;
    } catch (err) {
      throw await this.failure('keep rendered', err);
    }
  }

  /** See late-outcomes.ts (inbound MX). */
  lateBounce(id: string, address: string, reply: string, now: number): Promise<QueuedMessage | undefined> {
    return changeLate(this.stores, id, (msg) => applyLateBounce(msg, address, reply, now), now);
  }

  addNote(id: string, address: string, note: LogNote, reply: string, now: number): Promise<QueuedMessage | undefined> {
    return changeLate(this.stores, id, (msg) => applyNote(msg, address, note, reply, now), now);
  }

  /**
   * Deletes records and bodies (archived, or left in the queue when archiving failed) of
   * messages completed before `olderThan`; returns how many. Bodies are kept until then (the
   * log shows headers, later issues resend past invoices), so the composition root must call
   * this periodically with its retention period.
   */
  async purgeCompleted(olderThan: number): Promise<number> {
    let total = 0;
    for (let round = 0; round < PURGE_MAX_ROUNDS; round++) {
      const keys = completedBefore(this.stores, olderThan, PURGE_BATCH);
      // Archive first: a crash in between leaves records without bodies, purged by the next sweep.
      await this.archive.remove(keys.flatMap((key) => [key[1], sentKey(key[1])]));
      try {
        total += await purgeKeys(this.stores, keys, this.annotations);
      } catch (err) {
        throw await this.failure('purge', err);
      }
      if (keys.length < PURGE_BATCH) break;
    }
    try {
      if (total > 0) await commitMarker(this.stores);
    } catch (err) {
      // The purge itself is committed: report it; the space frees up with the next write instead.
      await this.failure('purge space release', err);
    }
    return total;
  }

  /** Waits for pending writes, then closes the environment. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= Promise.all([closeStores(this.stores), this.archive.close()]).then(() => undefined);
    return this.closing;
  }

  /** `preview` must complete the message exactly when `next` would (default: `next` itself). */
  private async change(
    action: string,
    id: string,
    next: (msg: QueuedMessage) => QueuedMessage,
    preview = next,
    also?: (after: QueuedMessage) => void,
  ): Promise<QueuedMessage> {
    const archiving = this.archiveIfCompleting(id, preview);
    const bodyArchived = archiving === undefined ? false : await archiving;
    let change: Change | undefined;
    try {
      change = await updateMessage(this.stores, id, next, bodyArchived, also, this.clock());
    } catch (err) {
      throw await this.failure(action, err);
    }
    if (!change) throw new GatewayError('E_MESSAGE_UNKNOWN', `no message ${id} in the queue`);
    this.counter.remove(change.before);
    this.counter.add(change.after);
    return change.after;
  }

  /**
   * When this change would complete the message, copies its body to the archive first and
   * resolves true once it is durable there; the completing transaction then deletes it from
   * the queue. Issued in the caller's event turn, so the completions of one turn share one
   * archive commit. A crash before that transaction leaves a harmless second copy (same id);
   * a failed archive write resolves false and the body simply stays in the queue.
   */
  private archiveIfCompleting(
    id: string,
    preview: (msg: QueuedMessage) => QueuedMessage,
  ): Promise<boolean> | undefined {
    const before = this.stores.messages.get(id);
    if (!before || before.completedAt !== undefined) return undefined;
    let after: QueuedMessage;
    try {
      after = preview(before);
    } catch {
      return undefined; // a refused admin action: the transaction throws the same error
    }
    if (after.completedAt === undefined) return undefined;
    const body = this.stores.bodies.get(id);
    return body === undefined ? undefined : this.archive.put(id, body);
  }

  /**
   * Classifies a failed write and tells durability waiters. Call it synchronously from the
   * catch (see toStorageError: it must attach to lmdb's commitError before any await).
   */
  private async failure(action: string, err: unknown): Promise<GatewayError> {
    const firstReport = !(err instanceof GatewayError);
    const error = await toStorageError(err, `queue ${action}`);
    if (firstReport) {
      this.failures.fire(error);
      this.logger.error({ code: error.code, reason: error.message }, `queue ${action} failed`);
    }
    return error;
  }
}
