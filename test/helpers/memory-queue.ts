import type { EffectsStore, PlanEffects } from '../../src/core/effects.js';
import { GatewayError } from '../../src/core/gateway-error.js';
import {
  DUE_STATUSES,
  type AttemptLeases,
  type MessageLog,
  type MessageQueue,
  type NewMessage,
  type QueuedMessage,
  type RecipientResult,
  type TenantDueQueue,
} from '../../src/core/types.js';
import { encodeAnnotation } from '../../src/queue/annotations.js';
import { applyExpiry, applyResults, isPending, newRecord } from '../../src/queue/records.js';
import type { RetryPolicy } from '../../src/queue/retry-schedule.js';

type Countable = Pick<MessageLog, 'countPending'>;

/** The earliest time any of the message's recipients is due; undefined when none can be (held, final). */
function dueAt(m: QueuedMessage): number | undefined {
  const times = m.recipients.filter((r) => DUE_STATUSES.has(r.status)).map((r) => r.nextAttemptAt);
  return times.length > 0 ? Math.min(...times) : undefined;
}

const byTimeThenId = (a: [number, QueuedMessage], b: [number, QueuedMessage]): number =>
  a[0] - b[0] || (a[1].id < b[1].id ? -1 : a[1].id > b[1].id ? 1 : 0);

/**
 * An in-memory MessageQueue for unit tests of the stages around the queue (inbound,
 * delivery). It passes the queue contract (test/queue/queue-contract.ts) with the LMDB queue's
 * own record rules (src/queue/records.ts) and a fixed retry delay, but nothing is durable:
 * integration tests use the real LMDB queue.
 */
export class MemoryQueue implements MessageQueue, TenantDueQueue, AttemptLeases, EffectsStore, Countable {
  readonly messages = new Map<string, QueuedMessage>();
  /** Annotations as JSON bytes, like LmdbQueue's: read back as written, never the caller's object. */
  readonly annotations = new Map<string, Buffer>();
  /** Ids with an attempt in flight (AttemptLeases), for tests to look at. */
  readonly leased = new Set<string>();
  readonly bodies = new Map<string, Buffer>();
  /** Resolve before enqueue and writeEffects resolve; tests replace it to hold or fail the "sync". */
  beforeDurable: () => Promise<void> = async () => undefined;
  private readonly retry: RetryPolicy;

  constructor(retryDelayMs = 1000) {
    this.retry = { initialDelayMs: retryDelayMs, maxDelayMs: retryDelayMs, maxAgeMs: Infinity, jitter: 0 };
  }

  async enqueue(message: NewMessage, body: Buffer): Promise<QueuedMessage> {
    const stored = newRecord(message, body.length);
    const copy = Buffer.from(body);
    await this.beforeDurable();
    this.messages.set(message.id, stored);
    this.bodies.set(message.id, copy);
    return stored;
  }

  /** Encodes every note first (one that is not JSON fails the write), then writes all after the "sync". */
  async writeEffects(effects: PlanEffects): Promise<readonly QueuedMessage[]> {
    const notes = effects.annotations.map(encodeAnnotation);
    if (effects.copies.length === 0 && notes.length === 0) return [];
    await this.beforeDurable();
    const inserted: QueuedMessage[] = [];
    for (const copy of effects.copies.filter((c) => !this.messages.has(c.message.id))) {
      inserted.push(this.save(newRecord(copy.message, copy.raw.length)));
      this.bodies.set(copy.message.id, Buffer.from(copy.raw));
    }
    for (const n of notes) this.annotations.set(n.queueId, n.bytes);
    return inserted;
  }

  annotation<T extends object>(queueId: string): T | undefined {
    const bytes = this.annotations.get(queueId);
    return bytes === undefined ? undefined : (JSON.parse(bytes.toString('utf8')) as T);
  }

  get(id: string): QueuedMessage | undefined {
    return this.messages.get(id);
  }
  body(id: string): Buffer | undefined {
    return this.bodies.get(id);
  }

  /** Never-attempted mail by arrival, then the rest by earliest due time, as LmdbQueue's two indexes. */
  due(now: number, limit: number, exclude: ReadonlySet<string>): QueuedMessage[] {
    const fresh: [number, QueuedMessage][] = [];
    const deferred: [number, QueuedMessage][] = [];
    for (const m of this.messages.values()) {
      const at = dueAt(m);
      if (at === undefined || at > now || exclude.has(m.id)) continue;
      if (m.recipients.every((r) => r.attempts === 0)) fresh.push([m.receivedAt, m]);
      else deferred.push([at, m]);
    }
    return [...fresh.sort(byTimeThenId), ...deferred.sort(byTimeThenId)].slice(0, limit).map(([, m]) => m);
  }

  dueTenants(): string[] {
    const waiting = [...this.messages.values()].filter((m) => dueAt(m) !== undefined);
    return [...new Set(waiting.map((m) => m.tenantId))];
  }

  dueOf(tenantId: string, now: number, limit: number, exclude: ReadonlySet<string>): QueuedMessage[] {
    return this.due(now, Number.MAX_SAFE_INTEGER, exclude)
      .filter((m) => m.tenantId === tenantId)
      .slice(0, limit);
  }

  nextDueAt(): number | undefined {
    const times = [...this.messages.values()].map(dueAt).filter((t): t is number => t !== undefined);
    return times.length > 0 ? Math.min(...times) : undefined;
  }

  async record(id: string, results: readonly RecipientResult[], now: number): Promise<QueuedMessage> {
    return this.save(applyResults(this.mustGet(id), results, now, this.retry, () => 0.5));
  }

  lease(id: string): void {
    this.leased.add(id);
  }
  unlease(id: string): void {
    this.leased.delete(id);
  }

  async expire(id: string, addresses: readonly string[], now: number, reason: string): Promise<QueuedMessage> {
    return this.save(applyExpiry(this.mustGet(id), addresses, now, reason));
  }

  depth(): { messages: number; queued: number; deferred: number; held: number } {
    const counts = { messages: 0, queued: 0, deferred: 0, held: 0 };
    for (const m of this.messages.values()) {
      const pending = m.recipients.filter(isPending);
      if (pending.length > 0) counts.messages++;
      for (const r of pending) if (r.status in counts) counts[r.status as 'queued' | 'deferred' | 'held']++;
    }
    return counts;
  }

  countPending(tenantId: string): number {
    return [...this.messages.values()].filter((m) => m.tenantId === tenantId && m.recipients.some(isPending)).length;
  }

  async close(): Promise<void> {
    /* nothing to release */
  }

  private mustGet(id: string): QueuedMessage {
    const msg = this.messages.get(id);
    if (!msg) throw new GatewayError('E_MESSAGE_UNKNOWN', `no message ${id} in the queue`);
    return msg;
  }

  private save(next: QueuedMessage): QueuedMessage {
    this.messages.set(next.id, next);
    return next;
  }
}
