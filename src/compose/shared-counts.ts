import type pg from 'pg';
import type { Logger } from '../core/logger.js';
import { openPgSharedCounts, type PgSharedCounts } from '../store/postgres/pg-shared-counts.js';

/**
 * The counts behind AUTH throttles and tenant limits: undefined on LMDB (each listener and the
 * limits keep their own in memory, as on one node), the cluster's on PostgreSQL. Read once
 * before the listeners open: otherwise a node's first round counts only its own traffic.
 */
export async function openSharedCounts(pool: pg.Pool | undefined, logger: Logger): Promise<PgSharedCounts | undefined> {
  if (pool === undefined) return undefined;
  const counts = openPgSharedCounts(pool, {
    onOutage: (err) => logger.warn({ err: err.message }, 'shared counts: database unreachable, counting locally'),
    onRecovered: () => logger.info('shared counts: database back, counts sent'),
  });
  await counts.sync();
  return counts;
}
