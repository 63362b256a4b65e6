import type pg from 'pg';
import { runHere, type ExclusiveRun } from '../core/exclusive-run.js';
import type { Logger } from '../core/logger.js';
import { runOncePerCluster } from '../store/postgres/cluster-job.js';

/**
 * How the periodic jobs keep to one run at a time: on the shared database once per cluster (an
 * advisory lock; a node that finds it taken skips that round), on LMDB (no pool) always here.
 */
export function clusterJobs(pool: pg.Pool | undefined, logger: Logger): ExclusiveRun {
  if (pool === undefined) return runHere;
  return (name, run) => runOncePerCluster(pool, name, run, { logger });
}
