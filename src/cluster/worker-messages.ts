import type { QueuedMessage } from '../core/types.js';

/**
 * The messages between the primary and its workers over the IPC channel node:cluster gives each worker.
 * Each is tagged, so that other traffic on the same channel (the shared counts) passes by.
 */
export type WorkerMessage =
  /** worker → primary: started and listening (the primary starts the next workers after worker 0's). */
  | { readonly t: 'postbode:ready'; readonly ports: Readonly<Record<string, number | undefined>> }
  /** receiving worker → primary → worker 0: committed messages it must count and deliver. */
  | { readonly t: 'postbode:queued'; readonly records: readonly QueuedMessage[] }
  /** primary → worker 0: count the queue again from disk (a worker died between a commit and its message). */
  | { readonly t: 'postbode:recount' };

const TAGS = new Set(['postbode:ready', 'postbode:queued', 'postbode:recount']);

export function isWorkerMessage(value: unknown): value is WorkerMessage {
  return typeof value === 'object' && value !== null && TAGS.has((value as { t?: unknown }).t as string);
}
