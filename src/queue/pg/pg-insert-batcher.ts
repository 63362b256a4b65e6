import type pg from 'pg';
import type { GatewayEvent } from '../../core/events.js';
import type { QueuedMessage } from '../../core/types.js';
import { insertStatement, type Lease, type NewRow } from './pg-records.js';

/** `leased`: inserted with this node's lease (it will deliver it), or for any node to claim. */
interface Waiting extends NewRow {
  resolve(): void;
  reject(err: unknown): void;
}

export interface InsertBatcherOptions {
  /** Messages in one statement at most. */
  readonly maxBatch?: number;
  /**
   * Statements in flight at once; what arrives meanwhile waits for the next one. Default: half the
   * pool (64 × 8 beat 64 × 2 in every run of bench/pg-drivers.ts; the rest of the pool serves claims,
   * the listener and the API).
   */
  readonly maxInFlight?: number;
}

/**
 * Group commit for new messages. Each commit with synchronous_commit on waits for a WAL flush:
 * messages that arrive while one is in flight wait and go together in the next statement, so
 * 50 sessions cost a few flushes rather than 50. A statement is atomic: a failure rejects every
 * message of its group (their clients get a 4xx and send again), never half of them.
 */
export class InsertBatcher {
  private readonly waiting: Waiting[] = [];
  private inFlight = 0;
  private readonly maxBatch: number;
  private readonly maxInFlight: number;
  private idle: Array<() => void> = [];

  constructor(
    private readonly pool: pg.Pool,
    private readonly lease: () => Lease,
    options: InsertBatcherOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 64;
    this.maxInFlight = options.maxInFlight ?? Math.max(2, Math.floor((pool.options.max ?? 10) / 2));
  }

  /** Resolves once the message, its body and its webhook events are committed. */
  insert(record: QueuedMessage, body: Buffer, leased = true, events: readonly GatewayEvent[] = []): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ record, body, leased, events, resolve, reject });
      this.pump();
    });
  }

  /** Resolves when nothing is waiting or in flight. */
  drained(): Promise<void> {
    if (this.inFlight === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.waiting.length > 0) {
      const group = this.waiting.splice(0, this.maxBatch);
      this.inFlight++;
      void this.commit(group).finally(() => {
        this.inFlight--;
        this.pump();
        if (this.inFlight === 0 && this.waiting.length === 0) for (const done of this.idle.splice(0)) done();
      });
    }
  }

  private async commit(group: Waiting[]): Promise<void> {
    const { text, values } = insertStatement(group, this.lease());
    try {
      await this.pool.query(text, values);
    } catch (err) {
      for (const w of group) w.reject(err);
      return;
    }
    for (const w of group) w.resolve();
  }
}
