/**
 * RSA signing is the heaviest CPU step per message, so it runs in worker threads and the
 * event loop stays free for SMTP sessions and the queue. Each worker signs one message at a
 * time; requests wait in a FIFO until a worker is idle.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { systemClock, type Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { GatewayError } from '../core/gateway-error.js';
import { workerSpec } from '../core/worker-spec.js';
import { asBuffer, ownedView, type SignRequest, type SignResponse } from './sign-protocol.js';
import type { SigningKey } from './signer.js';

export interface SignPoolOptions {
  readonly size: number;
  /** Signature time source (t=). */
  readonly now?: Clock;
  readonly logger?: Logger;
}

export interface PoolSignOptions {
  /**
   * Hand `raw`'s memory to the worker instead of copying it. Only when `raw` owns its whole
   * ArrayBuffer (not a pooled small Buffer); `raw` is then empty after the call.
   */
  readonly transfer?: boolean;
}

export interface SignPool {
  readonly size: number;
  /** Same result and errors as `signMessage`, signed in a worker thread. */
  sign(raw: Buffer, keys: readonly SigningKey[], options?: PoolSignOptions): Promise<Buffer>;
  /** Stops taking work, finishes what was accepted, then stops the workers. */
  close(): Promise<void>;
}

interface Task {
  readonly request: SignRequest;
  readonly transfer: ArrayBuffer[];
  readonly resolve: (signed: Buffer) => void;
  readonly reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  task: Task | null;
  error: Error | null;
}

/** Workers that die are replaced, up to this many times per worker, so a broken build cannot loop. */
const RESTARTS_PER_WORKER = 4;

export function createSignPool(options: SignPoolOptions): SignPool {
  if (!Number.isInteger(options.size) || options.size < 1) {
    throw new GatewayError('E_DKIM_POOL', `sign pool size must be a positive integer, got ${options.size}`);
  }
  return new WorkerSignPool(options);
}

/** The sign worker next to this file (built JS or, under tsx, TypeScript): see core/worker-spec.ts. */
export function signWorkerSpec(moduleUrl: string = import.meta.url): {
  filename: string | URL;
  options: WorkerOptions;
} {
  return workerSpec('sign-worker', moduleUrl);
}

class WorkerSignPool implements SignPool {
  readonly size: number;
  private readonly now: Clock;
  private readonly logger: Logger | undefined;
  private readonly spec = signWorkerSpec();
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 1;
  private restartsLeft: number;
  private closing = false;
  private drained: (() => void) | null = null;

  constructor(options: SignPoolOptions) {
    this.size = options.size;
    this.now = options.now ?? systemClock;
    this.logger = options.logger;
    this.restartsLeft = options.size * RESTARTS_PER_WORKER;
    for (let i = 0; i < options.size; i++) this.slots.push(this.spawn());
  }

  sign(raw: Buffer, keys: readonly SigningKey[], options: PoolSignOptions = {}): Promise<Buffer> {
    if (this.closing) return Promise.reject(new GatewayError('E_DKIM_POOL', 'sign pool is closed'));
    if (this.slots.length === 0) return Promise.reject(new GatewayError('E_DKIM_POOL', 'signing workers keep failing'));
    // Without `transfer` one tight copy is made and transferred (never the caller's pool).
    const view = options.transfer === true ? ownedView(raw) : new Uint8Array(raw);
    const request: SignRequest = { id: this.nextId++, raw: view, keys, signedAt: this.now() };
    return new Promise<Buffer>((resolve, reject) => {
      this.queue.push({ request, transfer: [view.buffer as ArrayBuffer], resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    if (!this.idle())
      await new Promise<void>((resolve) => {
        this.drained = resolve;
      });
    const slots = this.slots.splice(0);
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  private idle(): boolean {
    return this.queue.length === 0 && this.slots.every((slot) => slot.task === null);
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.task !== null) continue;
      const task = this.queue.shift();
      if (task === undefined) break;
      slot.task = task;
      slot.worker.postMessage(task.request, task.transfer);
    }
    if (this.idle() && this.drained !== null) this.drained();
  }

  private spawn(): Slot {
    const worker = new Worker(this.spec.filename, this.spec.options);
    const slot: Slot = { worker, task: null, error: null };
    worker.on('message', (response: SignResponse) => this.settle(slot, response));
    worker.on('error', (err) => {
      slot.error = err;
    });
    worker.on('exit', (code) => this.exited(slot, code));
    return slot;
  }

  private settle(slot: Slot, response: SignResponse): void {
    const task = slot.task;
    slot.task = null;
    if (task !== null && task.request.id === response.id) {
      if (response.ok) task.resolve(asBuffer(response.signed));
      else task.reject(new GatewayError(response.code, response.message));
    }
    this.dispatch();
  }

  /** A worker died (not by close): fail its task, replace it while the budget lasts. */
  private exited(slot: Slot, code: number): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    const cause = slot.error ?? new Error(`sign worker exited with code ${code}`);
    this.logger?.error({ err: cause }, 'DKIM sign worker died');
    slot.task?.reject(new GatewayError('E_DKIM_POOL', 'sign worker died while signing', { cause }));
    slot.task = null;
    if (this.restartsLeft > 0) {
      this.restartsLeft--;
      this.slots[index] = this.spawn();
    } else {
      this.slots.splice(index, 1);
      if (this.slots.length === 0) this.failQueued(cause);
    }
    this.dispatch();
  }

  private failQueued(cause: Error): void {
    for (const task of this.queue.splice(0)) {
      task.reject(new GatewayError('E_DKIM_POOL', 'signing workers keep failing', { cause }));
    }
  }
}
