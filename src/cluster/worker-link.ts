import type { QueuedMessage } from '../core/types.js';
import type { WorkerPlace } from './process-role.js';
import { isWorkerMessage, type WorkerMessage } from './worker-messages.js';

/** The env the primary gives each worker: its place, kept across restarts. */
export const WORKER_INDEX_ENV = 'POSTBODE_WORKER_INDEX';
export const WORKER_COUNT_ENV = 'POSTBODE_WORKER_COUNT';

/** A worker process's side of the channel to the primary. */
export interface WorkerLink extends WorkerPlace {
  /** A receiving worker: these messages are committed; worker 0 should count and deliver them. */
  announce(records: readonly QueuedMessage[]): void;
  /** Worker 0: what the other workers queued, and the primary's request to count again. */
  onAnnounced(handlers: { queued(records: readonly QueuedMessage[]): void; recount(): void }): void;
  /** Started and listening. */
  ready(ports: Readonly<Record<string, number | undefined>>): void;
}

/** The process's own channel (a worker started by the primary): undefined in a process that runs alone. */
export interface IpcProcess {
  send?(message: unknown): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
}

/** The link of a worker the primary started (both env variables set), else undefined. */
export function workerLinkFromEnv(env: NodeJS.ProcessEnv, proc: IpcProcess = process): WorkerLink | undefined {
  const index = Number(env[WORKER_INDEX_ENV]);
  const count = Number(env[WORKER_COUNT_ENV]);
  if (!Number.isInteger(index) || !Number.isInteger(count) || count < 1 || index < 0 || index >= count)
    return undefined;
  if (typeof proc.send !== 'function') return undefined;
  // A primary gone away (its channel closed) must not crash a worker that is finishing its sessions.
  const send = (message: WorkerMessage): void => {
    try {
      proc.send?.(message);
    } catch {
      // the primary is gone; it restarts nothing now, and worker 0 counts again when it starts
    }
  };
  return {
    index,
    count,
    announce(records) {
      if (records.length > 0) send({ t: 'postbode:queued', records });
    },
    onAnnounced(handlers) {
      proc.on('message', (message) => {
        if (!isWorkerMessage(message)) return;
        if (message.t === 'postbode:queued') handlers.queued(message.records);
        else if (message.t === 'postbode:recount') handlers.recount();
      });
    },
    ready(ports) {
      send({ t: 'postbode:ready', ports });
    },
  };
}
