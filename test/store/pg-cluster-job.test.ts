import type pg from 'pg';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isGatewayError } from '../../src/core/gateway-error.js';
import { clusterJobKey, runOncePerCluster } from '../../src/store/postgres/cluster-job.js';
import { openPgPool } from '../../src/store/postgres/pool.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { waitFor } from '../helpers/wait-for.js';

/** Periodic jobs run once per cluster: two pools stand for two nodes on one database. */
let cluster: TestPostgres;
let url: string;
const pools: pg.Pool[] = [];

beforeAll(async () => {
  cluster = await startPostgres();
  url = await cluster.freshDatabase();
});
afterAll(async () => {
  await cluster?.stop();
});
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.end()));
});

function node(): pg.Pool {
  const pool = openPgPool(url);
  pools.push(pool);
  return pool;
}

/** A job that runs until `finish` is called, and says when it started. */
function blockingJob<R>(result: R) {
  let finish = () => {};
  let started = false;
  const job = async () => {
    started = true;
    await new Promise<void>((resolve) => {
      finish = resolve;
    });
    return result;
  };
  return { job, finish: () => finish(), started: () => started };
}

/** The backend holding the advisory lock of `name`, if any (objid is the key's low 32 bits). */
async function holderPid(pool: pg.Pool, name: string): Promise<number | undefined> {
  const key = BigInt(clusterJobKey(name));
  const { rows } = await pool.query<{ pid: number }>(
    `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted
       AND classid = $1::bigint::oid AND objid = $2::bigint::oid`,
    [String(BigInt.asUintN(32, key >> 32n)), String(BigInt.asUintN(32, key))],
  );
  return rows[0]?.pid;
}

describe('runOncePerCluster', () => {
  it('runs a job on one node at a time: the second node skips at once and says so in debug', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (l: string) => void lines.push(l) });
    const [a, b] = [node(), node()];
    const sweep = blockingJob('swept by a');
    const first = runOncePerCluster(a, 'queue-purge', sweep.job);
    await waitFor(sweep.started, 5_000, 'the first node to start its sweep');

    expect(await runOncePerCluster(b, 'queue-purge', async () => 'swept by b', { logger })).toEqual({ ran: false });
    expect(lines.map((l) => JSON.parse(l) as { msg: string; job: string })).toMatchObject([
      { msg: 'cluster job skipped: another node runs it', job: 'queue-purge' },
    ]);
    // A second call on the same node is refused too (each holds its own connection).
    expect(await runOncePerCluster(a, 'queue-purge', async () => 'again')).toEqual({ ran: false });
    // Another job's lock is another lock.
    expect(await runOncePerCluster(b, 'dsn-sweep', async () => 'dsn')).toEqual({ ran: true, result: 'dsn' });

    sweep.finish();
    expect(await first).toEqual({ ran: true, result: 'swept by a' });
    expect(await runOncePerCluster(b, 'queue-purge', async () => 'swept by b')).toEqual({
      ran: true,
      result: 'swept by b',
    });
    expect(await holderPid(a, 'queue-purge')).toBeUndefined(); // unlocked, not left with a pooled connection
  });

  it('releases the lock when the job throws, and passes the error on', async () => {
    const [a, b] = [node(), node()];
    const failing = runOncePerCluster(a, 'expiry', async () => {
      throw new Error('sweep failed');
    });
    await expect(failing).rejects.toThrow('sweep failed');
    expect(await runOncePerCluster(b, 'expiry', async () => 1)).toEqual({ ran: true, result: 1 });
  });

  it("frees the job for another node when the holder's connection dies mid-job", async () => {
    const [a, b] = [node(), node()];
    const sweep = blockingJob('late');
    const first = runOncePerCluster(a, 'retention', sweep.job);
    await waitFor(sweep.started, 5_000, 'the first node to start its sweep');
    expect(await runOncePerCluster(b, 'retention', async () => 'b')).toEqual({ ran: false });

    const pid = await waitFor(() => holderPid(b, 'retention'), 5_000, 'the lock holder');
    await b.query('SELECT pg_terminate_backend($1)', [pid]);
    const taken = await waitFor(
      async () => {
        const run = await runOncePerCluster(b, 'retention', async () => 'b');
        return run.ran ? run : undefined;
      },
      5_000,
      'the other node to take the job over',
    );
    expect(taken).toEqual({ ran: true, result: 'b' });
    // The dead node's job still ends without an unhandled error; its broken connection is not reused.
    sweep.finish();
    expect(await first).toEqual({ ran: true, result: 'late' });
    expect(await runOncePerCluster(a, 'retention', async () => 'a again')).toEqual({ ran: true, result: 'a again' });
  });

  it('answers E_STORAGE when the database is unreachable, without running the job', async () => {
    const pool = openPgPool('postgres://postgres@127.0.0.1:1/none');
    pools.push(pool);
    let ran = false;
    const err = await runOncePerCluster(pool, 'retention', async () => {
      ran = true;
    }).catch((e: unknown) => e);
    expect(isGatewayError(err, 'E_STORAGE')).toBe(true);
    expect(ran).toBe(false);
  });
});
