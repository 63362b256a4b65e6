import type pg from 'pg';
import type { Logger } from '../../core/logger.js';
import { runOncePerCluster } from '../../store/postgres/cluster-job.js';
import { storageCall } from '../../store/postgres/pg-errors.js';

/** Messages deleted per transaction, and the most transactions one sweep runs. */
const PURGE_BATCH = 1_000;
const PURGE_MAX_ROUNDS = 10_000;

/** The advisory lock's name: every node runs the retention sweep, one at a time does the work. */
export const PURGE_JOB = 'queue-purge';

export interface PgPurgeOptions {
  readonly logger?: Logger;
  /** Messages per transaction (tests use a few). */
  readonly batch?: number;
}

/**
 * Deletes the messages completed before `olderThan` with everything kept for them (body, "as
 * sent" bytes, rendering, annotation), oldest first, in transactions of `batch` messages so that
 * no one transaction holds a day's rows. Runs once per cluster: when another node purges right
 * now, this one skips (and answers 0); that node's sweep covers the same rows.
 */
export async function purgePgCompleted(
  pool: pg.Pool,
  olderThan: number,
  options: PgPurgeOptions = {},
): Promise<number> {
  const batch = options.batch ?? PURGE_BATCH;
  const run = await runOncePerCluster(pool, PURGE_JOB, () => purgeBatches(pool, olderThan, batch), options);
  return run.ran ? run.result : 0;
}

async function purgeBatches(pool: pg.Pool, olderThan: number, batch: number): Promise<number> {
  let total = 0;
  for (let round = 0; round < PURGE_MAX_ROUNDS; round++) {
    const purged = await purgeBatch(pool, olderThan, batch);
    total += purged;
    if (purged < batch) break;
  }
  return total;
}

/** One transaction (one statement): the oldest `batch` completed messages and what belongs to them. */
async function purgeBatch(pool: pg.Pool, olderThan: number, batch: number): Promise<number> {
  const { rows } = await storageCall('purging completed messages', () =>
    pool.query<{ purged: string }>(
      `WITH gone AS (
         DELETE FROM queue_messages WHERE id IN (
           SELECT id FROM queue_messages WHERE completed_at < $1 ORDER BY completed_at LIMIT $2
           FOR UPDATE SKIP LOCKED)
         RETURNING id),
       bodies AS (DELETE FROM queue_bodies WHERE id IN (SELECT id FROM gone UNION ALL SELECT id || '.sent' FROM gone)),
       rendered AS (DELETE FROM queue_rendered WHERE id IN (SELECT id FROM gone)),
       notes AS (DELETE FROM queue_annotations WHERE id IN (SELECT id FROM gone))
       SELECT count(*) AS purged FROM gone`,
      [olderThan, batch],
    ),
  );
  return Number(rows[0]?.purged ?? 0);
}
