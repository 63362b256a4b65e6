import type { EffectsStore } from '../core/effects.js';
import type { HoldRequest, ReviewEdit } from '../core/hold.js';
import type { RenderedMessage, RenderedStore } from '../core/rendered.js';
import type {
  AttemptLeases,
  LateOutcomes,
  MaybePromise,
  MessageLog,
  MessageQueue,
  NewMessage,
  QueuedMessage,
  TenantDueQueue,
} from '../core/types.js';
import type { QueueDepth } from './depth-counter.js';
import type { EventOutbox } from './event-outbox.js';
import type { ReviewEnd } from './review-records.js';

/**
 * Everything the gateway asks of its queue, whichever engine keeps it: LMDB on one host
 * (lmdb-queue.ts) or PostgreSQL shared by several nodes (pg/pg-queue.ts). Reads that a shared
 * engine answers over the network are MaybePromise: callers always `await` them, and the LMDB
 * queue keeps answering synchronously. What delivery reads in its scheduling loop (due, dueOf,
 * dueTenants, nextDueAt, depth, countPending) stays synchronous: a shared engine serves it from
 * the messages this node has claimed and from counters it refreshes; so does `annotation` (read per
 * message by the log's views and webhook events), from what the node wrote or read lately.
 */
export interface GatewayQueue
  extends MessageQueue,
    TenantDueQueue,
    MessageLog,
    LateOutcomes,
    AttemptLeases,
    RenderedStore,
    EffectsStore {
  /** Messages that were in flight when the previous process died, sent again at this start. */
  readonly replayed: number;
  /** Where inbound feedback stores put their webhook events (event-outbox.ts). */
  readonly outbox: EventOutbox;
  depth(): QueueDepth;
  holdForReview(id: string, now: number, request: HoldRequest, rendered: RenderedMessage): Promise<QueuedMessage>;
  editReview(id: string, edit: ReviewEdit, rendered: RenderedMessage): Promise<QueuedMessage>;
  endReview(id: string, now: number, ended: ReviewEnd, reason: string): Promise<QueuedMessage>;
  /** Held messages, oldest hold first, of one tenant or all; at most `limit`. */
  heldMessages(tenantId: string | undefined, limit: number): MaybePromise<QueuedMessage[]>;
  /** Reads these messages' annotations into memory, for `annotation` (a shared engine only). */
  loadAnnotations?(queueIds: readonly string[]): Promise<void>;
  /**
   * Messages another process queued in this same store (worker processes on one LMDB environment): the
   * delivering process counts them as its own, since only its own changes move its counters.
   */
  noteQueued?(records: readonly QueuedMessage[]): void;
  /** Counts the pending mail again from the store (a worker died between its commit and telling the leader). */
  recount?(): void;
  /** Queues `message` as a resend of `originalId` and links both in one transaction. */
  resend(originalId: string, message: NewMessage, body: Buffer): Promise<QueuedMessage>;
}
