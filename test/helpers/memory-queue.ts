import {
  FINAL_STATUSES,
  type AttemptLeases,
  type MessageQueue,
  type NewMessage,
  type QueuedMessage,
  type RecipientResult,
  type RecipientState,
  type TenantDueQueue,
} from '../../src/core/types.js';

/**
 * An in-memory MessageQueue for unit tests of the stages around the queue (inbound,
 * delivery). It keeps the contract (fresh before deferred, results applied at once, a fixed
 * retry delay) but nothing is durable: integration tests use the real LMDB queue.
 */
export class MemoryQueue implements MessageQueue, TenantDueQueue, AttemptLeases {
  readonly messages = new Map<string, QueuedMessage>();
  /** Ids with an attempt in flight (AttemptLeases), for tests to look at. */
  readonly leased = new Set<string>();
  readonly bodies = new Map<string, Buffer>();
  /** Resolve before enqueue resolves; tests replace it to hold or fail the "sync". */
  beforeDurable: () => Promise<void> = async () => undefined;

  constructor(private readonly retryDelayMs = 1000) {}

  async enqueue(message: NewMessage, body: Buffer): Promise<QueuedMessage> {
    const recipients: RecipientState[] = message.envelope.to.map((address) => ({
      address,
      ...(message.roles?.[address] ? { role: message.roles[address] } : {}),
      status: 'queued',
      attempts: 0,
      nextAttemptAt: message.receivedAt,
      history: [],
    }));
    const stored: QueuedMessage = { ...message, recipients, size: body.length };
    await this.beforeDurable();
    this.messages.set(message.id, stored);
    this.bodies.set(message.id, Buffer.from(body));
    return stored;
  }

  get(id: string): QueuedMessage | undefined {
    return this.messages.get(id);
  }
  body(id: string): Buffer | undefined {
    return this.bodies.get(id);
  }

  due(now: number, limit: number, exclude: ReadonlySet<string>): QueuedMessage[] {
    const pending = [...this.messages.values()].filter(
      (m) => !exclude.has(m.id) && m.recipients.some((r) => !FINAL_STATUSES.has(r.status) && r.nextAttemptAt <= now),
    );
    const fresh = pending.filter((m) => m.recipients.every((r) => r.attempts === 0));
    const deferred = pending.filter((m) => !fresh.includes(m));
    return [...fresh, ...deferred].slice(0, limit);
  }

  dueTenants(): string[] {
    const pending = [...this.messages.values()].filter((m) =>
      m.recipients.some((r) => r.status === 'queued' || r.status === 'deferred'),
    );
    return [...new Set(pending.map((m) => m.tenantId))];
  }

  dueOf(tenantId: string, now: number, limit: number, exclude: ReadonlySet<string>): QueuedMessage[] {
    return this.due(now, Number.MAX_SAFE_INTEGER, exclude)
      .filter((m) => m.tenantId === tenantId)
      .slice(0, limit);
  }

  nextDueAt(): number | undefined {
    let next: number | undefined;
    for (const m of this.messages.values())
      for (const r of m.recipients) {
        if (!FINAL_STATUSES.has(r.status) && (next === undefined || r.nextAttemptAt < next)) next = r.nextAttemptAt;
      }
    return next;
  }

  async record(id: string, results: readonly RecipientResult[], now: number): Promise<QueuedMessage> {
    const msg = this.mustGet(id);
    const recipients = msg.recipients.map((r) => {
      const res = results.find((x) => x.address === r.address);
      if (!res) return r;
      const status = res.outcome === 'deferred' ? 'deferred' : res.outcome;
      return {
        ...r,
        status,
        attempts: r.attempts + 1,
        lastReply: res.reply,
        nextAttemptAt: res.outcome === 'deferred' ? now + this.retryDelayMs : r.nextAttemptAt,
        history: [...r.history, { at: now, outcome: res.outcome, reply: res.reply, nextHop: res.nextHop }],
      } satisfies RecipientState;
    });
    return this.save(msg, recipients, now);
  }

  lease(id: string): void {
    this.leased.add(id);
  }
  unlease(id: string): void {
    this.leased.delete(id);
  }

  async expire(id: string, addresses: readonly string[], now: number, reason: string): Promise<QueuedMessage> {
    const msg = this.mustGet(id);
    const recipients = msg.recipients.map((r) =>
      addresses.includes(r.address) && !FINAL_STATUSES.has(r.status)
        ? { ...r, status: 'expired' as const, lastReply: reason }
        : r,
    );
    return this.save(msg, recipients, now);
  }

  depth(): { messages: number; queued: number; deferred: number } {
    let messages = 0;
    let queued = 0;
    let deferred = 0;
    for (const m of this.messages.values()) {
      const pending = m.recipients.filter((r) => !FINAL_STATUSES.has(r.status));
      if (pending.length > 0) messages++;
      queued += pending.filter((r) => r.status === 'queued').length;
      deferred += pending.filter((r) => r.status === 'deferred').length;
    }
    return { messages, queued, deferred };
  }

  async close(): Promise<void> {
    /* nothing to release */
  }

  private mustGet(id: string): QueuedMessage {
    const msg = this.messages.get(id);
    if (!msg) throw new Error(`no message ${id}`);
    return msg;
  }

  private save(msg: QueuedMessage, recipients: RecipientState[], now: number): QueuedMessage {
    const done = recipients.every((r) => FINAL_STATUSES.has(r.status));
    const next: QueuedMessage = { ...msg, recipients, ...(done ? { completedAt: now } : {}) };
    this.messages.set(msg.id, next);
    return next;
  }
}
