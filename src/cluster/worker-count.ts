import { availableParallelism } from 'node:os';

/** The `workers` setting as a number: `auto` is one per core this process may use. */
export function workerCount(setting: number | 'auto'): number {
  return setting === 'auto' ? Math.max(1, availableParallelism()) : setting;
}
