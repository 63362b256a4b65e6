/**
 * Attachments are read in worker threads: pdfjs parses in the thread that calls it, and a hostile PDF
 * can spin or swell. Each job gets a time limit (the worker is terminated and replaced when it is
 * over) and each worker a heap limit; the answer is then a reading with a problem, never a throw.
 * Workers start on the first read (a gateway whose tenants never need a document pays nothing) and
 * stop on close(). Jobs wait in a FIFO until a worker is free.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from '../core/logger.js';
import { workerSpec } from '../core/worker-spec.js';
import type { DocumentReading } from './facts.js';
import { MAX_ATTACHMENT_BYTES, type ReadAttachmentOptions } from './read-attachment.js';
import { type Sniffed, sniff } from './sniff.js';
import { revive, unfinished, type ReadRequest, type WorkerMessage } from './reader-protocol.js';

export interface ReaderPoolOptions {
  /** Worker threads (default 1); each is a V8 isolate of ~30 MiB plus what it reads. */
  readonly size?: number;
  /** Time limit per attachment, from when a worker takes it (default 2000 ms). */
  readonly timeoutMs?: number;
  /** Heap limit of each worker (default 256 MiB); over it, the worker dies and the job is stopped. */
  readonly memoryMb?: number;
  /** Larger attachments are not read (default 20 MiB). */
  readonly maxBytes?: number;
  /**
   * A worker is replaced after this many documents (default 1,000): pdf.js keeps a few KB of every
   * document it opened, so a worker that lived for ever would reach its heap limit mid-read.
   */
  readonly recycleAfter?: number;
  readonly logger?: Logger;
}

export interface ReaderPool {
  readonly size: number;
  /** Workers started so far: the first ones, and each replacement (time limit, crash, recycling). */
  readonly workersStarted: number;
  /** Reads one attachment; never rejects: a stopped or refused job is a reading with a problem. */
  read(bytes: Uint8Array, options?: Omit<ReadAttachmentOptions, 'maxBytes'>): Promise<DocumentReading>;
  /** Stops taking work, finishes what was accepted, then stops the workers. */
  close(): Promise<void>;
}

interface Task {
  readonly request: ReadRequest;
  /** Judged before the bytes are handed to the worker, for the answer when reading is stopped. */
  readonly kind: Sniffed;
  readonly resolve: (reading: DocumentReading) => void;
}

interface Slot {
  readonly worker: Worker;
  ready: boolean;
  task: Task | null;
  timer: NodeJS.Timeout | null;
  /** Set when we terminate it ourselves (time limit, close): its exit is expected. */
  stopping: boolean;
  /** Documents it answered. */
  reads: number;
  error: Error | null;
}

/** Workers that die before they are ready are replaced only this often: a broken build must not loop. */
const START_FAILURES_PER_WORKER = 3;

export function createReaderPool(options: ReaderPoolOptions = {}): ReaderPool {
  return new WorkerReaderPool(options);
}

class WorkerReaderPool implements ReaderPool {
  readonly size: number;
  private readonly timeoutMs: number;
  private readonly memoryMb: number;
  private readonly maxBytes: number;
  private readonly recycleAfter: number;
  workersStarted = 0;
  private readonly logger: Logger | undefined;
  private readonly spec = workerSpec('reader-worker', import.meta.url);
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 1;
  private startFailuresLeft: number;
  private started = false;
  private closing = false;
  private drained: (() => void) | null = null;

  constructor(options: ReaderPoolOptions) {
    this.size = Math.max(1, Math.floor(options.size ?? 1));
    this.timeoutMs = options.timeoutMs ?? 2000;
    this.memoryMb = options.memoryMb ?? 256;
    this.maxBytes = options.maxBytes ?? MAX_ATTACHMENT_BYTES;
    this.recycleAfter = Math.max(1, Math.floor(options.recycleAfter ?? 1_000));
    this.logger = options.logger;
    this.startFailuresLeft = this.size * START_FAILURES_PER_WORKER;
  }

  read(bytes: Uint8Array, options: Omit<ReadAttachmentOptions, 'maxBytes'> = {}): Promise<DocumentReading> {
    const { filename, contentType } = options;
    if (this.closing) return Promise.resolve(unfinished(sniff(bytes), filename, 'not read: the reader pool is closed'));
    if (bytes.byteLength > this.maxBytes) {
      const problem = `not read: ${bytes.byteLength} bytes is more than the limit of ${this.maxBytes}`;
      return Promise.resolve(unfinished(sniff(bytes), filename, problem));
    }
    this.start();
    if (this.slots.length === 0)
      return Promise.resolve(unfinished(sniff(bytes), filename, 'not read: no document reader'));
    const request: ReadRequest = {
      id: this.nextId++,
      // A tight copy: the worker gets it by transfer, the caller keeps its own bytes.
      bytes: new Uint8Array(bytes),
      maxBytes: this.maxBytes,
      ...(filename !== undefined ? { filename } : {}),
      ...(contentType !== undefined ? { contentType } : {}),
    };
    return new Promise<DocumentReading>((resolve) => {
      this.queue.push({ request, kind: sniff(bytes), resolve });
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
    for (const slot of slots) slot.stopping = true;
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    for (let i = 0; i < this.size; i++) this.slots.push(this.spawn());
  }

  private idle(): boolean {
    return this.queue.length === 0 && this.slots.every((slot) => slot.task === null);
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (!slot.ready || slot.task !== null) continue;
      const task = this.queue.shift();
      if (task === undefined) break;
      slot.task = task;
      slot.timer = setTimeout(() => this.timedOut(slot), this.timeoutMs);
      slot.worker.postMessage(task.request, [task.request.bytes.buffer as ArrayBuffer]);
    }
    // Workers keep the process alive only while there is work for them.
    const busy = this.queue.length > 0;
    for (const slot of this.slots) {
      if (busy || slot.task !== null) slot.worker.ref();
      else slot.worker.unref();
    }
    if (this.idle() && this.drained !== null) this.drained();
  }

  private spawn(): Slot {
    const resourceLimits = { maxOldGenerationSizeMb: this.memoryMb, maxYoungGenerationSizeMb: 32, stackSizeMb: 4 };
    const worker = new Worker(this.spec.filename, { ...this.spec.options, resourceLimits });
    const slot: Slot = { worker, ready: false, task: null, timer: null, stopping: false, error: null, reads: 0 };
    this.workersStarted++;
    worker.on('message', (message: WorkerMessage) => this.received(slot, message));
    worker.on('error', (err) => {
      slot.error = err;
    });
    worker.on('exit', () => this.exited(slot));
    return slot;
  }

  private received(slot: Slot, message: WorkerMessage): void {
    if ('ready' in message) {
      slot.ready = true;
    } else if (slot.task !== null && slot.task.request.id === message.id) {
      this.finish(slot, revive(message.reading));
      slot.reads++;
      if (slot.reads >= this.recycleAfter && !this.closing) this.replace(slot);
    }
    this.dispatch();
  }

  private finish(slot: Slot, reading: DocumentReading): void {
    const task = slot.task;
    if (slot.timer !== null) clearTimeout(slot.timer);
    slot.timer = null;
    slot.task = null;
    task?.resolve(reading);
  }

  private timedOut(slot: Slot): void {
    const task = slot.task;
    if (task === null) return;
    const { filename } = task.request;
    this.logger?.warn({ filename, ms: this.timeoutMs }, 'document reading stopped: time limit');
    this.finish(slot, unfinished(task.kind, filename, `reading stopped after ${this.timeoutMs} ms`));
    this.replace(slot);
  }

  /** Terminates a worker that is still running and puts a fresh one in its place. */
  private replace(slot: Slot): void {
    slot.stopping = true;
    const index = this.slots.indexOf(slot);
    if (index >= 0) this.slots[index] = this.spawn();
    void slot.worker.terminate();
  }

  /** A worker died on its own: out of memory, or a crash. Its job gets an answer; a fresh worker takes its place. */
  private exited(slot: Slot): void {
    if (slot.stopping) return;
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    const cause = slot.error?.message ?? 'the worker exited';
    this.logger?.warn({ err: slot.error }, 'document reader died');
    if (slot.task !== null) {
      this.finish(slot, unfinished(slot.task.kind, slot.task.request.filename, `reading stopped: ${cause}`));
    } else if (!slot.ready && this.startFailuresLeft-- <= 0) {
      this.slots.splice(index, 1);
      this.failQueued(cause);
      return;
    }
    this.slots[index] = this.spawn();
    this.dispatch();
  }

  private failQueued(cause: string): void {
    if (this.slots.length > 0) return;
    for (const task of this.queue.splice(0)) {
      task.resolve(unfinished(task.kind, task.request.filename, `not read: no document reader (${cause})`));
    }
    this.dispatch();
  }
}
