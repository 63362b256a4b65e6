import { type CountsRelay, type RelayWorker, startCountsRelay } from '../../src/cluster/counts-relay.js';
import type { CountsMessage } from '../../src/cluster/counts-message.js';
import {
  type CountsChannel,
  type IpcSharedCounts,
  type IpcSharedCountsOptions,
  openIpcSharedCounts,
} from '../../src/cluster/ipc-shared-counts.js';

/**
 * A primary and its workers in one process: each worker's channel reaches the relay, and the relay's
 * sends reach the worker, a tick later and as a JSON copy, as over a process channel.
 */
export interface MemoryCluster {
  readonly relay: CountsRelay;
  /** Starts worker `id` (its counts are named `w-<id>`). */
  start(id: string, options?: IpcSharedCountsOptions): IpcSharedCounts;
  /** A crash: the worker's channel closes without a last send. */
  crash(id: string): void;
  /** Closes every worker still running. */
  close(): void;
}

export function memoryCluster(clock: () => number, maxKeys?: number): MemoryCluster {
  const live = new Map<string, { worker: RelayWorker; counts: IpcSharedCounts; stop(): void }>();
  const relay = startCountsRelay({ workers: () => [...live.values()].map((w) => w.worker), clock, maxKeys });
  const later = (deliver: () => void) => setImmediate(deliver);
  return {
    relay,
    start(id, options = {}) {
      const inbox = new Set<(msg: CountsMessage) => void>();
      let open = true;
      const channel: CountsChannel = {
        send: (msg) => {
          const copy: unknown = JSON.parse(JSON.stringify(msg));
          if (open) later(() => relay.onWorkerMessage(id, copy));
        },
        onMessage: (fn) => {
          inbox.add(fn);
          return () => inbox.delete(fn);
        },
      };
      const worker: RelayWorker = {
        id,
        send: (msg) => {
          const copy = JSON.parse(JSON.stringify(msg)) as CountsMessage;
          later(() => {
            for (const fn of inbox) fn(copy);
          });
        },
      };
      const counts = openIpcSharedCounts(channel, { worker: `w-${id}`, syncMs: 10, clock, ...options });
      live.set(id, { worker, counts, stop: () => (open = false) });
      return counts;
    },
    crash(id) {
      const w = live.get(id);
      if (w === undefined) return;
      w.stop(); // nothing more leaves it, not even the close's last send
      w.counts.close();
      live.delete(id);
    },
    close() {
      for (const w of live.values()) w.counts.close();
      live.clear();
    },
  };
}
