import { randomBytes } from 'node:crypto';
import { type Clock, systemClock } from '../core/clock.js';
import { LocalCounts } from '../core/local-counts.js';
import { RemoteCounts, rowKey } from '../core/remote-counts.js';
import type { CountKind, SharedCounts } from '../core/shared-counts.js';
import { COUNTS_TAG, type CountKey, type CountsMessage, isCountsMessage } from './counts-message.js';
import { OwnRows } from './own-rows.js';

/** How a worker's counts reach the primary and come back from it: the process channel, or memory in tests. */
export interface CountsChannel {
  send(msg: CountsMessage): void;
  /** Calls `fn` with each counts message that arrives; answers the function that stops it. */
  onMessage(fn: (msg: CountsMessage) => void): () => void;
}

export interface IpcSharedCountsOptions {
  /**
   * This worker's name in its messages. Fresh per process by default: the rows a worker sent before
   * it crashed then count as another worker's until their windows end, so a restart forgets nothing.
   */
  readonly worker?: string;
  /** How often the rows changed since the last send go out (default 200 ms). */
  readonly syncMs?: number;
  readonly clock?: Clock;
  /** The other workers' keys held at most (default 100,000): the least recently received go. */
  readonly maxRemoteKeys?: number;
  /** This worker's keys it keeps rows of to send at most (default 100,000): the least recently counted go. */
  readonly maxOwnKeys?: number;
}

export interface IpcSharedCounts extends SharedCounts {
  readonly worker: string;
  /**
   * Resolves true once the primary's snapshot of the others' counts has arrived, false after
   * `withinMs` (default 2 s) without it (no primary answering): await it before the listeners open,
   * else a worker that restarts counts its first attempts alone.
   */
  ready(withinMs?: number): Promise<boolean>;
  /** Sends the rows changed since the last send now (the timer does so every syncMs). */
  flush(): void;
  /** Stops the timer and the listening, and sends what is left. */
  close(): void;
}

/** Rows in one message at most: a burst of new keys goes in several, none of them huge. */
const ROWS_PER_MESSAGE = 5_000;
/** Keys forgotten here that wait to be sent at most (a purge of many tenants; the rest is forgotten locally). */
const MAX_FORGOTTEN = 50_000;
/** How often the own rows are swept of keys whose windows have all ended. */
const PRUNE_EVERY_MS = 10_000;

/**
 * SharedCounts between the worker processes of one machine, relayed by their primary
 * (counts-relay.ts): `add` counts in this process at once; every `syncMs` the worker sends the
 * absolute counts of the rows it changed (kind, key, bucket, count) through `channel`, and it keeps
 * the rows the others send in a RemoteCounts, so `total` is this worker's count plus the others' as
 * last received (a few hundred ms old). The worker asks for the primary's snapshot when it starts
 * listening: a worker started after a crash counts the others' attempts, and its predecessor's, at
 * once. `forget` reaches every worker (a purged tenant).
 */
export function openIpcSharedCounts(channel: CountsChannel, options: IpcSharedCountsOptions = {}): IpcSharedCounts {
  const worker = options.worker ?? defaultWorkerName();
  const clock = options.clock ?? systemClock;
  const own = new LocalCounts();
  const rows = new OwnRows(options.maxOwnKeys ?? 100_000);
  const remote = new RemoteCounts(options.maxRemoteKeys ?? 100_000);
  // LocalCounts forgets by kind; a forget from another worker names the kind only (its name).
  const kinds = new Map<string, CountKind>();
  const forgotten: CountKey[] = [];
  let prunedAt = clock();

  const forgetHere = (kind: string, key: string) => {
    const known = kinds.get(kind);
    if (known !== undefined) own.forget(known, key);
    rows.forget(kind, rowKey(key));
    remote.forget(kind, rowKey(key));
  };
  const flush = () => {
    const now = clock();
    const changed = rows.takeChanged(now);
    const gone = forgotten.splice(0);
    if (now - prunedAt >= PRUNE_EVERY_MS) {
      rows.prune(now);
      prunedAt = now;
    }
    if (gone.length > 0) channel.send({ t: COUNTS_TAG, from: worker, rows: [], forgotten: gone });
    for (let i = 0; i < changed.length; i += ROWS_PER_MESSAGE) {
      channel.send({ t: COUNTS_TAG, from: worker, rows: changed.slice(i, i + ROWS_PER_MESSAGE) });
    }
  };
  let snapshotArrived: (arrived: boolean) => void = () => undefined;
  const snapshot = new Promise<boolean>((resolve) => {
    snapshotArrived = resolve;
  });
  const stopListening = channel.onMessage((msg) => {
    if (msg.from !== worker) {
      // Forgotten first: a message's rows were counted after its forgets.
      for (const { kind, key } of msg.forgotten ?? []) forgetHere(kind, key);
      for (const row of msg.rows) remote.set({ ...row, node: msg.from });
    }
    if (msg.hello) snapshotArrived(true);
  });
  channel.send({ t: COUNTS_TAG, from: worker, rows: [], hello: true });
  const timer = setInterval(flush, options.syncMs ?? 200);
  timer.unref();

  return {
    worker,
    add(kind, key, n, now) {
      kinds.set(kind.name, kind);
      const bucket = own.addTo(kind, key, n, now);
      rows.add(kind.name, rowKey(key), bucket, n, now);
    },
    total: (kind, key, now) => own.total(kind, key, now) + remote.total(kind.name, rowKey(key), now),
    // The others' keys too: a tenant purged through this worker may only have sent through another.
    keys: (kind) => [...new Set([...own.keys(kind), ...remote.keys(kind.name)])],
    forget(kind, key) {
      kinds.set(kind.name, kind);
      forgetHere(kind.name, key);
      if (forgotten.length < MAX_FORGOTTEN) forgotten.push({ kind: kind.name, key: rowKey(key) });
    },
    ready: (withinMs = 2_000) => within(snapshot, withinMs),
    flush,
    close() {
      clearInterval(timer);
      stopListening();
      flush();
    },
  };
}

/**
 * The channel of a worker process to its primary (node:cluster or child_process.fork). Sending
 * never throws: once the primary is gone the counts have nowhere to go, and the worker counts on
 * alone (a send that fails after the check is dropped the same way).
 */
export function workerCountsChannel(proc: NodeJS.Process = process): CountsChannel {
  return {
    send(msg) {
      if (proc.send === undefined || !proc.connected) return;
      proc.send(msg, undefined, {}, () => undefined);
    },
    onMessage(fn) {
      const listener = (msg: unknown) => {
        if (isCountsMessage(msg)) fn(msg);
      };
      proc.on('message', listener);
      return () => {
        proc.off('message', listener);
      };
    },
  };
}

/** `promise`'s answer, or false after `ms`. */
function within(promise: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function defaultWorkerName(): string {
  return `${process.pid}-${randomBytes(4).toString('hex')}`;
}
