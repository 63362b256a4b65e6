import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { ExclusiveRunResult } from '../../core/exclusive-run.js';
import type { Logger } from '../../core/logger.js';
import { storageCall } from './pg-errors.js';

/** What one call of runOncePerCluster did: ran the job here, or left it to the node holding the lock. */
export type ClusterJobRun<R> = ExclusiveRunResult<R>;

export interface ClusterJobOptions {
  /** Where a skipped run is said (debug): another node runs this job right now. */
  readonly logger?: Logger;
}

/**
 * Runs `job` on this node unless another node (or another call here) runs the job of that name
 * right now: a periodic job (retention, DSN or expiry sweeps) runs once per cluster, not once per
 * node. The lock is a session-level `pg_try_advisory_lock` on a connection of its own, held while
 * the job runs (the job uses the pool's other connections); when that connection dies, the
 * server drops the lock, so a node that died mid-job never blocks the others. A skip never waits.
 */
export async function runOncePerCluster<R>(
  pool: pg.Pool,
  name: string,
  job: () => Promise<R>,
  options: ClusterJobOptions = {},
): Promise<ClusterJobRun<R>> {
  const key = clusterJobKey(name);
  const client = await storageCall(`connecting for the cluster job ${name}`, () => pool.connect());
  // An error on the idle lock connection (server restart) must not crash the process; the lock is gone with it.
  const onError = () => undefined;
  client.on('error', onError);
  let locked = false;
  try {
    const { rows } = await storageCall(`locking the cluster job ${name}`, () =>
      client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS locked', [key]),
    );
    locked = rows[0]?.locked === true;
    if (!locked) {
      options.logger?.debug({ job: name }, 'cluster job skipped: another node runs it');
      return { ran: false };
    }
    return { ran: true, result: await job() };
  } finally {
    client.off('error', onError);
    await unlockAndRelease(client, key, locked);
  }
}

/**
 * A connection whose unlock failed may still hold the lock (advisory locks are re-entrant per
 * session): it is destroyed rather than handed back to the pool, which ends its session.
 */
async function unlockAndRelease(client: pg.PoolClient, key: string, locked: boolean): Promise<void> {
  if (!locked) return client.release();
  try {
    const { rows } = await client.query<{ unlocked: boolean }>('SELECT pg_advisory_unlock($1::bigint) AS unlocked', [
      key,
    ]);
    client.release(rows[0]?.unlocked === true ? undefined : true);
  } catch (err) {
    client.release(err instanceof Error ? err : true);
  }
}

/**
 * The advisory lock key of a job: 64 bits of a hash of its name (a string: pg has no bigint
 * parameter), prefixed so that it cannot meet the migration lock or another application's keys.
 */
export function clusterJobKey(name: string): string {
  const digest = createHash('sha256').update(`postbode cluster job ${name}`).digest();
  return digest.readBigInt64BE(0).toString();
}
