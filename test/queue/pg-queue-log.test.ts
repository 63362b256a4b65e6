import type pg from 'pg';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayError } from '../../src/core/gateway-error.js';
import { newQueueId } from '../../src/core/ids.js';
import type { RetryPolicy } from '../../src/queue/retry-schedule.js';
import { logQuery } from '../../src/queue/pg/pg-log-reads.js';
import { PURGE_JOB, purgePgCompleted } from '../../src/queue/pg/pg-purge.js';
import { openPgQueue, type PgQueue } from '../../src/queue/pg/pg-queue.js';
import { runOncePerCluster } from '../../src/store/postgres/cluster-job.js';
import { loadMigrations, migrate } from '../../src/store/postgres/migrate.js';
import { openPgPool } from '../../src/store/postgres/pool.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { waitFor } from '../helpers/wait-for.js';
import { delivered, mail, messageLogContract, rawMail, type OpenLogQueue } from './message-log-contract.js';
import { queueActionsContract } from './queue-actions-contract.js';

/** The message log and admin actions of PgQueue: the contracts LmdbQueue runs, and what only a shared engine has. */
const logger = pino({ level: 'silent' });
const retry: RetryPolicy = { initialDelayMs: 10_000, maxDelayMs: 100_000, maxAgeMs: 1e12, jitter: 0 };

let cluster: TestPostgres;
/** The contracts' database: migrated once, emptied after each case (a fresh database per case costs ~1 s). */
let shared: pg.Pool;
beforeAll(async () => {
  cluster = await startPostgres();
  shared = await migratedPool();
});
afterAll(async () => {
  await shared?.end();
  await cluster?.stop();
});

async function migratedPool(): Promise<pg.Pool> {
  const pool = openPgPool(await cluster.freshDatabase());
  await migrate(pool, await loadMigrations());
  return pool;
}

async function pgQueue(pool: pg.Pool, clock: () => number = Date.now, nodeId = 'node-a'): Promise<PgQueue> {
  return openPgQueue({ pool, retry, logger, clock, nodeId });
}

const openPg: OpenLogQueue = async (clock) => {
  const queue = await pgQueue(shared, clock);
  return {
    queue,
    close: async () => {
      await queue.close();
      await shared.query('TRUNCATE queue_messages, queue_bodies, queue_rendered, queue_annotations');
    },
  };
};

messageLogContract('PgQueue', openPg);
queueActionsContract('PgQueue', openPg);

describe('PgQueue message log on PostgreSQL', () => {
  const opened: { pools: pg.Pool[]; queues: PgQueue[] } = { pools: [], queues: [] };
  afterEach(async () => {
    await Promise.all(opened.queues.splice(0).map((q) => q.close()));
    await Promise.all(opened.pools.splice(0).map((p) => p.end()));
    await shared.query('TRUNCATE queue_messages, queue_bodies, queue_rendered, queue_annotations');
  });
  /** A node on the shared database: the first on the file's pool, a second on a pool of its own. */
  const node = async (own = false) => {
    const pool = own ? openPgPool(await databaseUrl(shared)) : shared;
    if (own) opened.pools.push(pool);
    const queue = await pgQueue(pool, Date.now, own ? 'node-b' : 'node-a');
    opened.queues.push(queue);
    return { pool, queue };
  };

  it("reads one tenant's page by index, without reading another tenant's rows", async () => {
    const { pool, queue } = await node();
    const mine = await queue.enqueue(mail(1_000, { subject: 'Factuur' }), rawMail('mine'));
    const theirs = await queue.enqueue(mail(2_000, { tenantId: 't2' }), rawMail('theirs'));
    // A large neighbour: 5,000 more (finished) rows of t2, newer than t1's, copied in SQL.
    await pool.query(
      `INSERT INTO queue_messages (id, tenant_id, received_at, completed_at, record)
       SELECT m.id || lpad(g::text, 6, '0'), m.tenant_id, m.received_at, m.received_at, m.record
       FROM queue_messages m, generate_series(1, 5000) g WHERE m.id = $1`,
      [theirs.id],
    );
    await pool.query('ANALYZE queue_messages');
    const { sql, params } = logQuery({ tenantId: 't1', limit: 50 }, undefined, 50);
    const { rows } = await pool.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, params);
    const plan = JSON.stringify(rows[0]?.['QUERY PLAN']);
    expect(plan).toContain('queue_messages_log');
    expect(plan).not.toMatch(/"Rows Removed by Filter": [1-9]/);
    expect(plan).not.toContain('Seq Scan');
    expect((await queue.list({ limit: 50, tenantId: 't1' })).messages.map((m) => m.id)).toEqual([mine.id]);
  }, 20_000);

  it('purges in bounded batches, once per cluster: a node skips while another holds the sweep', async () => {
    const a = await node();
    const b = await node(true);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const m = await a.queue.enqueue(mail(1_000 + i), rawMail(`m${i}`));
      await a.queue.record(m.id, [delivered()], 2_000 + i);
      ids.push(m.id);
    }
    let release = () => {};
    let holding = false;
    const held = runOncePerCluster(a.pool, PURGE_JOB, async () => {
      holding = true;
      await new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    await waitFor(() => holding, 5_000, 'node a to hold the purge');
    expect(await b.queue.purgeCompleted(1e15)).toBe(0);
    expect(await b.queue.get(ids[0] as string)).toBeDefined();
    release();
    await held;
    expect(await purgePgCompleted(b.pool, 2_003, { batch: 2 })).toBe(3);
    expect(await b.queue.get(ids[2] as string)).toBeUndefined();
    expect(await b.queue.headers(ids[2] as string)).toBeUndefined();
    expect(await b.queue.purgeCompleted(1e15)).toBe(2);
    expect((await b.queue.list({ limit: 10 })).messages).toEqual([]);
  });

  it('an admin action on one node is seen by the other at once; unknown ids stay unknown on both', async () => {
    const a = await node();
    const b = await node(true);
    const m = await a.queue.enqueue(mail(1_000), rawMail('x'));
    await b.queue.hold(m.id, 2_000, 'on b');
    expect((await a.queue.get(m.id))?.recipients[0]?.status).toBe('held');
    expect((await a.queue.heldMessages('t1', 10)).map((x) => x.id)).toEqual([m.id]);
    expect((await a.queue.summary('t1')).held).toBe(1);
    expect(await a.queue.headers(newQueueId(1))).toBeUndefined();
  });

  it('answers E_STORAGE while the database is down, never hangs, and works again once it is back', async () => {
    const { queue } = await node();
    const m = await queue.enqueue(mail(1_000), rawMail('x'));
    await cluster.halt();
    try {
      const code = (p: Promise<unknown>) =>
        p.then(
          () => 'resolved',
          (e: unknown) => (e as GatewayError).code,
        );
      expect(await code(queue.list({ limit: 10, tenantId: 't1' }))).toBe('E_STORAGE');
      expect(await code(queue.summary('t1'))).toBe('E_STORAGE');
      expect(await code(queue.headers(m.id))).toBe('E_STORAGE');
      expect(await code(queue.hold(m.id, 2_000))).toBe('E_STORAGE');
      expect(await code(queue.purgeCompleted(1e15))).toBe('E_STORAGE');
    } finally {
      await cluster.resume();
    }
    const held = await waitFor(() => queue.hold(m.id, 3_000).catch(() => undefined), 10_000, 'the database back');
    expect(held.recipients[0]?.status).toBe('held');
    expect((await queue.list({ limit: 10, tenantId: 't1' })).messages.map((x) => x.id)).toEqual([m.id]);
  }, 20_000);
});

async function databaseUrl(pool: pg.Pool): Promise<string> {
  const { rows } = await pool.query<{ db: string }>('SELECT current_database() AS db');
  return cluster.url.replace(/\/postgres$/, `/${rows[0]?.db}`);
}
