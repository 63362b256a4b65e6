import type pg from 'pg';
import { openIpcSharedCounts, workerCountsChannel } from '../cluster/ipc-shared-counts.js';
import type { WorkerPlace } from '../cluster/process-role.js';
import type { Logger } from '../core/logger.js';
import type { SharedCounts } from '../core/shared-counts.js';
import { openPgSharedCounts } from '../store/postgres/pg-shared-counts.js';

/** Counts shared with other processes, closed (their last counts sent) at the gateway's stop. */
export type ClosableCounts = SharedCounts & { close(): void | Promise<void> };

/**
 * The counts behind AUTH throttles and tenant limits: the cluster's on PostgreSQL; on LMDB, the other worker
 * processes' through the primary when this is one of several (`workers`); else undefined (each listener and
 * the limits keep their own in memory). Read once before the listeners open: otherwise a process's first
 * round counts only its own traffic.
 */
export async function openSharedCounts(
  pool: pg.Pool | undefined,
  logger: Logger,
  worker?: WorkerPlace,
): Promise<ClosableCounts | undefined> {
  if (pool === undefined) {
    if (worker === undefined || worker.count <= 1) return undefined;
    const counts = openIpcSharedCounts(workerCountsChannel());
    if (!(await counts.ready())) logger.warn('shared counts: no snapshot from the primary yet; counting on');
    return counts;
  }
  const counts = openPgSharedCounts(pool, {
    onOutage: (err) => logger.warn({ err: err.message }, 'shared counts: database unreachable, counting locally'),
    onRecovered: () => logger.info('shared counts: database back, counts sent'),
  });
  await counts.sync();
  return counts;
}
