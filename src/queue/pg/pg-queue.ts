import type pg from 'pg';
import { systemClock, type Clock } from '../../core/clock.js';
import type { PlanEffects, QueuedCopy } from '../../core/effects.js';
import { GatewayError } from '../../core/gateway-error.js';
import type { Logger } from '../../core/logger.js';
import type { RenderedMessage } from '../../core/rendered.js';
import type { HoldRequest, ReviewEdit } from '../../core/hold.js';
import type {
  LogNote,
  MessageLogFilter,
  MessageLogPage,
  NewMessage,
  QueuedMessage,
  QueueSummary,
  RecipientResult,
} from '../../core/types.js';
import { toPgStorageError } from '../../store/postgres/pg-errors.js';
import { pgListener, type PgListener } from '../../store/postgres/pg-listener.js';
import { inTransaction } from '../../store/postgres/pg-transaction.js';
import { applyHold } from '../admin-actions.js';
import { encodeAnnotation } from '../annotations.js';
import { DepthCounter, type QueueDepth } from '../depth-counter.js';
import type { EventInterest } from '../../core/events.js';
import { eventsOfInsert, wantsFrom, type EventOutbox } from '../event-outbox.js';
import { applyExpiry, applyResults, newRecord } from '../records.js';
import type { RetryPolicy } from '../retry-schedule.js';
import type { ReviewEnd } from '../review-records.js';
import type { GatewayQueue } from '../gateway-queue.js';
import {
  pgAddNote,
  pgCancel,
  pgEditReview,
  pgEndReview,
  pgHold,
  pgHoldForReview,
  pgLateBounce,
  pgRelease,
  pgResend,
  pgRetryNow,
} from './pg-admin-actions.js';
import { listPgMessages, pgHeaders, pgHeldMessages, pgSummary } from './pg-log-reads.js';
import { purgePgCompleted } from './pg-purge.js';
import { changeMessage, QUEUE_CHANNEL, type PgChange, type PgChangeContext } from './pg-change.js';
import { claimDue, readDepth, releaseLeases, renewLeases } from './pg-claims.js';
import { InsertBatcher, type InsertBatcherOptions } from './pg-insert-batcher.js';
import { derivedColumns, insertRecord, type Lease } from './pg-records.js';
import { putPgEvents } from './pg-outbox.js';
import { keepRenderedIn, readRenderedFrom } from './pg-rendered.js';
import { WorkingSet } from './pg-working-set.js';

export interface PgQueueOptions {
  readonly pool: pg.Pool;
  /** Unique per running process: its leases carry it. */
  readonly nodeId: string;
  readonly retry: RetryPolicy;
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly random?: () => number;
  /** How long a lease holds unrenewed (renewed every third of it); then another node takes over. Default 30 s. */
  readonly leaseMs?: number;
  /** Due within this much from now: claimed and kept; deferred further: released to any node. Default 60 s. */
  readonly horizonMs?: number;
  /** Messages held in memory at most (with their bodies). Default 200. */
  readonly workingSetMax?: number;
  /** Claim rounds without a notification, as a fallback. Default 2 s. */
  readonly pollMs?: number;
  /** Depth counts read again from the database this often. Default 2 s. */
  readonly countsEveryMs?: number;
  /**
   * Which webhook events tenants want: the queue writes a change's events into the shared outbox
   * table in the change's own transaction (pg-outbox.ts).
   */
  readonly interest?: EventInterest;
  /** The node's LMDB outbox, where its inbound feedback stores put their events (`outbox` below). */
  readonly outbox?: EventOutbox;
  /** New work was claimed (or arrived): wake the scheduler. */
  readonly onWork?: () => void;
  /** Group commit of accepts (default: up to 64 messages a statement, half the pool's connections in flight). */
  readonly insertBatch?: InsertBatcherOptions;
}

/** Annotations kept in memory for the synchronous `annotation` read (see GatewayQueue). */
const ANNOTATIONS_MAX = 10_000;

/** A held copy of a message held for review is held from the start (as on LMDB). */
function copyRecord(copy: QueuedCopy): QueuedMessage {
  const record = newRecord(copy.message, copy.raw.length);
  return copy.held === undefined ? record : applyHold(record, copy.message.receivedAt, copy.held);
}

/** Opens the queue on PostgreSQL: listens for work, reads the depth once, claims what is due. */
export async function openPgQueue(options: PgQueueOptions): Promise<PgQueue> {
  const queue = new PgQueue(options);
  await queue.start();
  return queue;
}

/**
 * The queue on PostgreSQL, shared by every node (src/queue/pg/README in src/queue/README.md).
 * A message is delivered by the node that leases it: the one that accepted it, or the one
 * whose claim took it when due (another node's lease expired, or nobody held it). Writes are
 * transactions with synchronous_commit on; `enqueue` resolves after its commit.
 */
export class PgQueue implements GatewayQueue {
  private readonly pool: pg.Pool;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly leaseMs: number;
  private readonly horizonMs: number;
  private readonly workingSetMax: number;
  private readonly working = new WorkingSet();
  private readonly counter = new DepthCounter();
  private readonly annotations = new Map<string, object>();
  private readonly batcher: InsertBatcher;
  private readonly listener: PgListener;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly changeCtx: PgChangeContext;
  private claiming: Promise<void> | undefined;
  private claimAgain = false;
  private lastRenewal: number;
  private closing: Promise<void> | undefined;
  private taken = 0;

  constructor(private readonly options: PgQueueOptions) {
    this.pool = options.pool;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.horizonMs = options.horizonMs ?? 60_000;
    this.workingSetMax = options.workingSetMax ?? 200;
    this.lastRenewal = this.clock();
    this.batcher = new InsertBatcher(this.pool, () => this.newLease(), options.insertBatch);
    this.changeCtx = {
      pool: this.pool,
      nodeId: options.nodeId,
      now: this.clock,
      leaseAfter: (after, current) => this.leaseAfter(after, current),
      onChanged: (change, lease) => this.changed(change, lease),
      ...(options.interest ? { interest: options.interest } : {}),
    };
    this.listener = pgListener(this.pool, {
      channel: QUEUE_CHANNEL,
      loading: 'listening for queue work',
      reload: async () => this.claimSoon(),
      refresh: (client, payload) => this.notified(client, payload),
      onListenError: (err) => this.options.logger.warn({ err: err.message }, 'queue listener lost; reconnecting'),
    });
  }

  /** Messages taken over from a lease that expired (a node that died): sent again, at least once. */
  get replayed(): number {
    return this.taken;
  }

  /** Where inbound feedback stores (this node's LMDB) put their webhook events: the node's LMDB outbox. */
  get outbox(): EventOutbox {
    if (!this.options.outbox) throw new GatewayError('E_STORAGE', 'this queue was opened without an event outbox');
    return this.options.outbox;
  }

  async start(): Promise<void> {
    await this.listener.start();
    await this.refreshDepth();
    const every = (ms: number, job: () => Promise<unknown>) => {
      const timer = setInterval(() => void job().catch(() => undefined), ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(this.options.pollMs ?? 2_000, () => this.claimSoon());
    every(Math.max(50, Math.floor(this.leaseMs / 3)), () => this.renew());
    every(this.options.countsEveryMs ?? 2_000, () => this.refreshDepth());
  }

  async enqueue(message: NewMessage, body: Buffer): Promise<QueuedMessage> {
    if (this.closing) throw new GatewayError('E_STORAGE', 'queue enqueue: the queue is closed');
    const record = newRecord(message, body.length);
    // The caller may reuse its buffer once we resolve; the scheduler reads this copy.
    const kept = Buffer.from(body);
    // With a full working set, the message goes in for any node's claim rather than leased here.
    const leased = this.working.size < this.workingSetMax;
    try {
      await this.batcher.insert(record, kept, leased, this.insertEvents(record));
    } catch (err) {
      throw this.failure('enqueue', err);
    }
    this.accepted(record);
    if (leased) this.working.put(record, kept);
    else void this.claimSoon();
    this.options.onWork?.();
    return record;
  }

  async get(id: string): Promise<QueuedMessage | undefined> {
    const { rows } = await this.query<{ record: QueuedMessage }>(
      'reading a message',
      'SELECT record FROM queue_messages WHERE id = $1',
      [id],
    );
    return rows[0]?.record;
  }

  async body(id: string): Promise<Buffer | undefined> {
    const held = this.working.body(id);
    if (held) return held;
    const { rows } = await this.query<{ bytes: Buffer }>(
      'reading a body',
      'SELECT bytes FROM queue_bodies WHERE id = $1',
      [id],
    );
    return rows[0]?.bytes;
  }

  due(now: number, limit: number, exclude: ReadonlySet<string>): QueuedMessage[] {
    return this.working.due(now, limit, exclude);
  }

  dueOf(tenantId: string, now: number, limit: number, exclude: ReadonlySet<string>): QueuedMessage[] {
    return this.working.due(now, limit, exclude, tenantId);
  }

  dueTenants(): string[] {
    return this.working.tenants();
  }

  nextDueAt(): number | undefined {
    return this.working.nextDueAt();
  }

  record(id: string, results: readonly RecipientResult[], now: number): Promise<QueuedMessage> {
    const { retry } = this.options;
    const random = this.random;
    return this.change('record', id, (msg) => applyResults(msg, results, now, retry, random));
  }

  expire(id: string, addresses: readonly string[], now: number, reason: string): Promise<QueuedMessage> {
    return this.change('expire', id, (msg) => applyExpiry(msg, addresses, now, reason));
  }

  /** The row's lease covers an attempt: nothing more to write. */
  lease(_id: string, _now: number): void {}

  unlease(_id: string): void {}

  depth(): QueueDepth {
    return this.counter.snapshot();
  }

  countPending(tenantId: string): number {
    return this.counter.snapshot(tenantId).messages;
  }

  async writeEffects(effects: PlanEffects): Promise<readonly QueuedMessage[]> {
    const notes = effects.annotations.map(encodeAnnotation);
    const copies = effects.copies.map((c) => ({ record: copyRecord(c), body: Buffer.from(c.raw) }));
    if (copies.length === 0 && notes.length === 0) return [];
    const lease = this.newLease();
    const inserted = await inTransaction(this.pool, 'queue effects', async (client) => {
      const out: typeof copies = [];
      for (const copy of copies)
        if (await insertRecord(client, copy.record, copy.body, { lease, skipExisting: true })) {
          await putPgEvents(client, this.insertEvents(copy.record));
          out.push(copy);
        }
      for (const note of notes)
        await client.query(
          `INSERT INTO queue_annotations (id, note) VALUES ($1, $2)
           ON CONFLICT (id) DO UPDATE SET note = EXCLUDED.note`,
          [note.queueId, note.bytes.toString('utf8')],
        );
      return out;
    }).catch((err: unknown) => {
      throw this.failure('effects', err);
    });
    for (const a of effects.annotations) this.remember(a.queueId, a.note);
    for (const { record, body } of inserted) {
      this.accepted(record);
      this.working.put(record, body);
    }
    if (inserted.length > 0) this.options.onWork?.();
    return inserted.map((c) => c.record);
  }

  annotation<T extends object>(queueId: string): T | undefined {
    return this.annotations.get(queueId) as T | undefined;
  }

  /** Reads the annotations of these messages into memory (a page of the log before its views). */
  async loadAnnotations(ids: readonly string[]): Promise<void> {
    const missing = ids.filter((id) => !this.annotations.has(id));
    if (missing.length === 0) return;
    const { rows } = await this.query<{ id: string; note: object }>(
      'reading annotations',
      'SELECT id, note FROM queue_annotations WHERE id = ANY($1)',
      [missing],
    );
    for (const row of rows) this.remember(row.id, row.note);
  }

  rendered(id: string): Promise<RenderedMessage | undefined> {
    return readRenderedFrom(this.pool, id).catch((err: unknown) => {
      throw this.failure('read rendered', err);
    });
  }

  /** One transaction; nothing is written for a message that is unknown or already complete. */
  async keepRendered(id: string, next: RenderedMessage): Promise<void> {
    await inTransaction(this.pool, `keep rendered ${id}`, async (client) => {
      const { rows } = await client.query<{ completed_at: string | null }>(
        'SELECT completed_at FROM queue_messages WHERE id = $1 FOR UPDATE',
        [id],
      );
      if (rows[0] === undefined || rows[0].completed_at !== null) return;
      await keepRenderedIn(client, id, next);
    }).catch((err: unknown) => {
      throw this.failure('keep rendered', err);
    });
  }

  keepSent(id: string, raw: Buffer): void {
    this.pool
      .query('INSERT INTO queue_bodies (id, bytes) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING', [`${id}.sent`, raw])
      .catch((err: unknown) => this.options.logger.warn({ queueId: id, err: String(err) }, 'as-sent copy not kept'));
  }

  async asSent(id: string): Promise<Buffer | undefined> {
    const { rows } = await this.query<{ bytes: Buffer }>(
      'reading as sent',
      'SELECT bytes FROM queue_bodies WHERE id = $1',
      [`${id}.sent`],
    );
    return rows[0]?.bytes;
  }

  /** Stops the loops, waits for inserts in flight, hands this node's leases back (another node takes them at once). */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const timer of this.timers) clearInterval(timer);
      this.listener.stop();
      await this.batcher.drained();
      await this.claiming?.catch(() => undefined);
      const ids = this.working.ids();
      this.working.clear();
      await releaseLeases(this.pool, this.options.nodeId, ids).catch((err: unknown) =>
        this.options.logger.warn({ err: String(err) }, 'queue leases not released at close; they expire'),
      );
    })();
    return this.closing;
  }

  // The message log and admin side: pg-log-reads.ts, pg-admin-actions.ts, pg-purge.ts.
  headers = (id: string): Promise<string | undefined> => pgHeaders(this.pool, id);
  /** The document and plain-state filters (`accept`) read annotations: each batch's are loaded first. */
  list = (filter: MessageLogFilter): Promise<MessageLogPage> =>
    listPgMessages(this.pool, filter, (ids) => this.loadAnnotations(ids));
  summary = (tenantId?: string): Promise<QueueSummary> => pgSummary(this.pool, this.clock(), tenantId);
  heldMessages = (tenantId: string | undefined, limit: number) => pgHeldMessages(this.pool, tenantId, limit);
  retryNow = (id: string, now: number) => pgRetryNow(this.changeCtx, id, now);
  hold = (id: string, now: number, reason?: string) => pgHold(this.changeCtx, id, now, reason);
  release = (id: string, now: number, reason?: string) => pgRelease(this.changeCtx, id, now, reason);
  cancel = (id: string, now: number, reason: string) => pgCancel(this.changeCtx, id, now, reason);
  holdForReview = (id: string, now: number, request: HoldRequest, rendered: RenderedMessage) =>
    pgHoldForReview(this.changeCtx, id, now, request, rendered);
  editReview = (id: string, edit: ReviewEdit, rendered: RenderedMessage) =>
    pgEditReview(this.changeCtx, id, edit, rendered);
  endReview = (id: string, now: number, ended: ReviewEnd, reason: string) =>
    pgEndReview(this.changeCtx, id, now, ended, reason);
  resend = (originalId: string, message: NewMessage, body: Buffer) =>
    pgResend(this.changeCtx, originalId, message, body).then((record) => this.accepted(record));
  lateBounce = (id: string, address: string, reply: string, now: number) =>
    pgLateBounce(this.changeCtx, id, address, reply, now);
  addNote = (id: string, address: string, note: LogNote, reply: string, now: number) =>
    pgAddNote(this.changeCtx, id, address, note, reply, now);
  purgeCompleted = (olderThan: number) => purgePgCompleted(this.pool, olderThan, { logger: this.options.logger });

  /** A new message in the queue (accepted, a copy, a resend), committed with its event: counted here. */
  private accepted(record: QueuedMessage): QueuedMessage {
    this.counter.add(record);
    return record;
  }

  /** A new message's webhook event (message.accepted), written in the transaction that inserts it. */
  private insertEvents(record: QueuedMessage) {
    return eventsOfInsert(record, wantsFrom(this.options.interest, record.tenantId));
  }

  private async change(
    action: string,
    id: string,
    next: (msg: QueuedMessage) => QueuedMessage,
  ): Promise<QueuedMessage> {
    let change: PgChange | undefined;
    try {
      change = await changeMessage(this.changeCtx, id, next);
    } catch (err) {
      throw this.failure(action, err);
    }
    if (!change) throw new GatewayError('E_MESSAGE_UNKNOWN', `no message ${id} in the queue`);
    return change.after;
  }

  private newLease(): Lease {
    return { node: this.options.nodeId, until: this.clock() + this.leaseMs };
  }

  /** Another node's live lease stays; this node keeps (or takes) a message due within the horizon, else releases it. */
  private leaseAfter(after: QueuedMessage, current: Lease | undefined): Lease | undefined {
    const { lane, dueAt } = derivedColumns(after);
    if (lane === null || dueAt === null) return undefined;
    const now = this.clock();
    if (current !== undefined && current.node !== this.options.nodeId && current.until > now) return current;
    const mine = current?.node === this.options.nodeId || this.working.size < this.workingSetMax;
    return mine && dueAt <= now + this.horizonMs ? this.newLease() : undefined;
  }

  private changed(change: PgChange, lease: Lease | undefined): void {
    this.counter.remove(change.before);
    this.counter.add(change.after);
    if (lease?.node === this.options.nodeId) {
      this.working.put(change.after);
      this.options.onWork?.();
    } else this.working.delete(change.after.id);
  }

  private remember(id: string, note: object): void {
    this.annotations.delete(id);
    this.annotations.set(id, note);
    if (this.annotations.size > ANNOTATIONS_MAX) {
      const oldest = this.annotations.keys().next().value;
      if (oldest !== undefined) this.annotations.delete(oldest);
    }
  }

  /** One claim round at a time; a request during a round runs one more after it. */
  private claimSoon(): Promise<void> {
    if (this.closing) return Promise.resolve();
    if (this.claiming) {
      this.claimAgain = true;
      return this.claiming;
    }
    this.claiming = this.claimRounds().finally(() => {
      this.claiming = undefined;
    });
    return this.claiming;
  }

  private async claimRounds(): Promise<void> {
    for (let round = 0; round < 10; round++) {
      this.claimAgain = false;
      const room = this.workingSetMax - this.working.size;
      if (room <= 0 || this.closing) return;
      const now = this.clock();
      let claimed: Awaited<ReturnType<typeof claimDue>>;
      try {
        claimed = await claimDue(this.pool, {
          node: this.options.nodeId,
          now,
          horizonMs: this.horizonMs,
          leaseMs: this.leaseMs,
          limit: room,
        });
      } catch (err) {
        this.options.logger.warn({ err: String(err) }, 'queue claim failed; retrying');
        return;
      }
      for (const c of claimed) {
        if (c.previous !== null && c.previous !== this.options.nodeId) this.taken++;
        this.working.put(c.record, c.body ?? undefined);
      }
      if (claimed.length > 0) this.options.onWork?.();
      if (claimed.length < room && !this.claimAgain) return;
    }
  }

  /** A notification: work to claim, or a row this node leases changed on another node. */
  private async notified(client: pg.ClientBase, payload: string): Promise<void> {
    if (payload === 'due') {
      void this.claimSoon();
      return;
    }
    const id = payload.startsWith('changed ') ? payload.slice('changed '.length) : undefined;
    if (id === undefined || !this.working.has(id)) return;
    const { rows } = await client.query<{ record: QueuedMessage; lease_node: string | null }>(
      'SELECT record, lease_node FROM queue_messages WHERE id = $1',
      [id],
    );
    const row = rows[0];
    if (row !== undefined && row.lease_node === this.options.nodeId) this.working.put(row.record);
    else this.working.delete(id);
    this.options.onWork?.();
  }

  /** Renews this node's leases; those it no longer holds leave the working set. */
  private async renew(): Promise<void> {
    const ids = this.working.ids();
    const now = this.clock();
    if (ids.length === 0) {
      this.lastRenewal = now;
      return;
    }
    try {
      const kept = await renewLeases(this.pool, this.options.nodeId, ids, now + this.leaseMs);
      for (const id of ids) if (!kept.has(id)) this.working.delete(id);
      this.lastRenewal = now;
    } catch (err) {
      // Unrenewed past its term, a lease is another node's to take: stop delivering what it covers.
      if (now - this.lastRenewal >= this.leaseMs) this.working.clear();
      this.options.logger.warn({ err: String(err) }, 'queue lease renewal failed');
    }
  }

  private async refreshDepth(): Promise<void> {
    try {
      this.counter.reset(await readDepth(this.pool));
    } catch (err) {
      this.options.logger.debug?.({ err: String(err) }, 'queue depth not read');
    }
  }

  private async query<R extends pg.QueryResultRow>(
    action: string,
    text: string,
    values: unknown[],
  ): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(text, values);
    } catch (err) {
      throw this.failure(action, err);
    }
  }

  private failure(action: string, err: unknown): GatewayError {
    const first = !(err instanceof GatewayError);
    const error = toPgStorageError(err, `queue ${action}`);
    if (first) this.options.logger.error({ code: error.code, reason: error.message }, `queue ${action} failed`);
    return error;
  }
}
