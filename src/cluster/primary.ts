import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '../core/logger.js';
import { WORKER_COUNT_ENV, WORKER_INDEX_ENV } from './worker-link.js';
import { isWorkerMessage, type WorkerMessage } from './worker-messages.js';

export interface PrimaryOptions {
  /** Worker processes to keep running (worker 0 is the leader). */
  readonly count: number;
  /** On LMDB, worker 0 counts the queue again when another worker dies (its last messages may be untold). */
  readonly recountOnLoss: boolean;
  readonly logger: Logger;
  /** First and longest wait before a dead worker is started again (doubling while it keeps dying). */
  readonly restartDelayMs?: { readonly min: number; readonly max: number };
  /** How long workers get to finish their sessions at a stop before they are killed. */
  readonly stopGraceMs?: number;
  /** Other traffic on the workers' channels: the shared counts' relay. */
  readonly onOtherMessage?: (worker: Worker, message: unknown) => void;
}

export interface Primary {
  /** The workers now running, by index. */
  workers(): ReadonlyMap<number, Worker>;
  /** Resolves with the exit code the primary should end with: 0 after a stop, else the failed start's code. */
  readonly done: Promise<number>;
  stop(): Promise<number>;
}

interface Slot {
  readonly index: number;
  worker: Worker | undefined;
  ready: boolean;
  /** Ever ready: a worker that fails its very first start stops the whole machine's gateway (bad config, key). */
  everReady: boolean;
  failures: number;
  restart: NodeJS.Timeout | undefined;
}

/** A worker that stayed up this long is healthy again: its next crash restarts it after the shortest wait. */
const HEALTHY_AFTER_MS = 60_000;

/**
 * The primary of `workers: N`: it holds the listeners (node:cluster hands each connection to a worker) and opens
 * no store itself. Worker 0 starts first and alone, so that a first start creates the data directory, the keys
 * and the certificate once; the others start when it listens. A worker that dies is started again with the same
 * index after a growing wait; worker 0 meanwhile is told what the receiving workers queued.
 */
export function startPrimary(options: PrimaryOptions): Primary {
  const { logger, count } = options;
  const delays = options.restartDelayMs ?? { min: 500, max: 30_000 };
  const slots: Slot[] = Array.from({ length: count }, (_, index) => ({
    index,
    worker: undefined,
    ready: false,
    everReady: false,
    failures: 0,
    restart: undefined,
  }));
  let stopping = false;
  /** 0, or the exit code of a worker whose first start failed. */
  let exitCode = 0;
  let finish: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => {
    finish = resolve;
  });
  const leader = (): Slot | undefined => slots[0];

  function start(slot: Slot): void {
    slot.restart = undefined;
    if (stopping) return;
    const worker = cluster.fork({ [WORKER_INDEX_ENV]: String(slot.index), [WORKER_COUNT_ENV]: String(count) });
    const startedAt = Date.now();
    slot.worker = worker;
    slot.ready = false;
    worker.on('message', (message: unknown) => {
      if (isWorkerMessage(message)) onMessage(slot, message);
      else options.onOtherMessage?.(worker, message);
    });
    worker.on('exit', (code, signal) => onExit(slot, worker, startedAt, code, signal));
  }

  function onMessage(slot: Slot, message: WorkerMessage): void {
    if (message.t === 'postbode:ready') {
      const first = !slot.everReady;
      slot.ready = true;
      slot.everReady = true;
      logger.info({ worker: slot.index, pid: slot.worker?.process.pid, ports: message.ports }, 'worker listening');
      if (slot.index === 0 && first) for (const other of slots.slice(1)) start(other);
      // Worker 0 counted the queue at its open; what the others queued meanwhile is counted again now.
      else if (slot.index === 0 && options.recountOnLoss) send(slot, { t: 'postbode:recount' });
      return;
    }
    if (message.t === 'postbode:queued') {
      const to = leader();
      // While worker 0 starts, its open counts these from disk: nothing to forward.
      if (to?.ready) send(to, message);
    }
  }

  function onExit(slot: Slot, worker: Worker, startedAt: number, code: number | null, signal: string | null): void {
    if (slot.worker !== worker) return;
    slot.worker = undefined;
    slot.ready = false;
    if (stopping) {
      if (slots.every((s) => s.worker === undefined)) finish(exitCode);
      return;
    }
    if (!slot.everReady) {
      logger.fatal({ worker: slot.index, code, signal }, 'worker failed to start; stopping every worker');
      exitCode = code === 0 || code === null ? 1 : code;
      void stop();
      return;
    }
    slot.failures = Date.now() - startedAt > HEALTHY_AFTER_MS ? 1 : slot.failures + 1;
    const wait = Math.min(delays.max, delays.min * 2 ** (slot.failures - 1));
    logger.error({ worker: slot.index, code, signal, restartInMs: wait }, 'worker died; starting it again');
    const to = leader();
    if (slot.index !== 0 && options.recountOnLoss && to?.ready) send(to, { t: 'postbode:recount' });
    slot.restart = setTimeout(() => start(slot), wait);
  }

  function send(slot: Slot, message: WorkerMessage): void {
    try {
      slot.worker?.send(message);
    } catch (err) {
      logger.warn({ worker: slot.index, err }, 'could not tell a worker');
    }
  }

  async function stop(): Promise<number> {
    if (!stopping) {
      stopping = true;
      for (const slot of slots) clearTimeout(slot.restart);
      const running = slots.filter((s) => s.worker !== undefined);
      if (running.length === 0) finish(exitCode);
      for (const slot of running) slot.worker?.process.kill('SIGTERM');
      const kill = setTimeout(() => {
        for (const slot of slots) slot.worker?.process.kill('SIGKILL');
      }, options.stopGraceMs ?? 30_000);
      kill.unref();
      void done.then(() => clearTimeout(kill));
    }
    return done;
  }

  start(slots[0] as Slot);
  return {
    workers: () => new Map(slots.flatMap((s) => (s.worker ? [[s.index, s.worker] as const] : []))),
    done,
    stop,
  };
}
