import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CountKind } from '../../src/core/shared-counts.js';
import { Replies } from '../../src/core/smtp-reply.js';
import { AuthThrottle } from '../../src/receive/smtp/auth-throttle.js';
import { checkTenantMail } from '../../src/receive/smtp/tenant-limit-policy.js';
import { loadMigrations, migrate } from '../../src/store/postgres/migrate.js';
import {
  openPgSharedCounts,
  type PgSharedCounts,
  type PgSharedCountsOptions,
} from '../../src/store/postgres/pg-shared-counts.js';
import { openPgPool } from '../../src/store/postgres/pool.js';
import { PRUNE_LOCK } from '../../src/store/postgres/shared-counts-sql.js';
import type { TenantLimits } from '../../src/tenants/tenant-limits-service.js';
import { TenantUsage } from '../../src/tenants/tenant-usage.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { waitFor } from '../helpers/wait-for.js';

// One cluster for the file; a fresh, migrated database per test, with two (or three) nodes on it.
let cluster: TestPostgres;
beforeAll(async () => {
  cluster = await startPostgres();
});
afterAll(async () => {
  await cluster?.stop();
});

const opened: { counts: PgSharedCounts[]; pools: pg.Pool[] } = { counts: [], pools: [] };
afterEach(async () => {
  await Promise.all(opened.counts.splice(0).map((c) => c.close()));
  await Promise.all(opened.pools.splice(0).map((p) => p.end()));
});

interface Node {
  readonly counts: PgSharedCounts;
  readonly pool: pg.Pool;
  readonly outages: Error[];
  recovered: number;
}

type NodeOptions = Pick<PgSharedCountsOptions, 'statementTimeoutMs' | 'closeWithinMs' | 'pruneEveryMs'>;

/** A fresh migrated database; `node()` opens a node on it (its own pool, as a separate process has). */
async function database(): Promise<{
  url: string;
  node: (options?: NodeOptions) => Node;
}> {
  const url = await cluster.freshDatabase();
  const admin = openPgPool(url);
  opened.pools.push(admin);
  await migrate(admin, await loadMigrations());
  const node = (options: NodeOptions = {}): Node => {
    const pool = openPgPool(url);
    const n: Node = { pool, outages: [], recovered: 0, counts: undefined as unknown as PgSharedCounts };
    const counts = openPgSharedCounts(pool, {
      syncMs: 50,
      ...options,
      onOutage: (err) => n.outages.push(err),
      onRecovered: () => n.recovered++,
    });
    opened.pools.push(pool);
    opened.counts.push(counts);
    return Object.assign(n, { counts });
  };
  return { url, node };
}

const limits = { maxFailuresPerIp: 5, maxFailuresPerUser: 100, windowMs: 60_000, failureDelayMs: 100 };
const throttleOn = (node: Node) => new AuthThrottle({ ...limits, maxFailureDelayMs: 10_000 }, 1_000, node.counts);

describe('PgSharedCounts: AUTH failures on two nodes', () => {
  it('adds both nodes failures for an IP, so its limit blocks on both; other IPs are untouched', async () => {
    const db = await database();
    const [a, b] = [throttleOn(db.node()), throttleOn(db.node())];
    const now = () => Date.now();
    for (let i = 0; i < 3; i++) a.recordFailure('192.0.2.7', `user${i}`, now());
    for (let i = 0; i < 3; i++) b.recordFailure('192.0.2.7', `other${i}`, now());
    // Counted locally at once, without waiting for the database: each node alone is under the limit.
    expect(a.blockedBy('192.0.2.7', 'x', now())).toBeUndefined();
    expect(b.blockedBy('192.0.2.7', 'x', now())).toBeUndefined();
    await waitFor(() => a.blockedBy('192.0.2.7', 'x', now()) === 'ip', 1_500, 'node A to see B’s failures');
    await waitFor(() => b.blockedBy('192.0.2.7', 'x', now()) === 'ip', 1_500, 'node B to see A’s failures');
    // The backoff follows the cluster's count: 6 failures are 4 past the free ones on either node.
    expect(a.delayMs('192.0.2.7', now())).toBe(100 * 2 ** 4);
    expect(b.delayMs('192.0.2.7', now())).toBe(100 * 2 ** 4);
    expect(a.blockedBy('192.0.2.8', 'x', now())).toBeUndefined();
    expect(b.delayMs('192.0.2.8', now())).toBe(0);
  });

  it('blocks a user name per IP across nodes, whatever the case, and never the same user from another IP', async () => {
    const db = await database();
    const perUser = { ...limits, maxFailuresPerIp: 100, maxFailuresPerUser: 2, maxFailureDelayMs: 0 };
    const [a, b] = [db.node(), db.node()].map((n) => new AuthThrottle(perUser, 1_000, n.counts)) as [
      AuthThrottle,
      AuthThrottle,
    ];
    a.recordFailure('192.0.2.9', 'Victim', Date.now());
    b.recordFailure('192.0.2.9', 'victim', Date.now());
    await waitFor(() => a.blockedBy('192.0.2.9', 'VICTIM', Date.now()) === 'user', 1_500, 'the user on A');
    await waitFor(() => b.blockedBy('192.0.2.9', 'victim', Date.now()) === 'user', 1_500, 'the user on B');
    expect(b.blockedBy('198.51.100.1', 'victim', Date.now())).toBeUndefined();
  });

  it('stores a very long user name as its hash, and still counts it across nodes', async () => {
    const db = await database();
    const perUser = { ...limits, maxFailuresPerIp: 100, maxFailuresPerUser: 2, maxFailureDelayMs: 0 };
    const [na, nb] = [db.node(), db.node()];
    const [a, b] = [new AuthThrottle(perUser, 1_000, na.counts), new AuthThrottle(perUser, 1_000, nb.counts)];
    const long = 'x'.repeat(20_000);
    a.recordFailure('192.0.2.10', long, Date.now());
    b.recordFailure('192.0.2.10', long, Date.now());
    await waitFor(() => a.blockedBy('192.0.2.10', long, Date.now()) === 'user', 1_500, 'the long name on A');
    expect(na.outages).toEqual([]);
    const { rows } = await na.pool.query<{ longest: number }>('SELECT max(length(key)) AS longest FROM shared_counts');
    expect(rows[0]?.longest).toBeLessThanOrEqual(200);
  });
});

/** TenantLimits as the SMTP policy reads it, with an hourly limit of 10 and the usage on `node`. */
function limitsOn(node: Node): TenantLimits & { hits: string[] } {
  const usage = new TenantUsage(node.counts);
  const hits: string[] = [];
  const values = { messagesPerHour: 10, messagesPerDay: null, recipientsPerMessage: 100, maxMessageSize: 1e6 };
  return {
    hits,
    usage,
    defaults: { ...values, deliveryWeight: 1 },
    limitsOf: () => ({ ...values, deliveryWeight: 1 }),
    overridesOf: () => ({}),
    update: async () => ({}),
    hit: (tenantId, limit) => {
      usage.hit(tenantId, limit);
      hits.push(`${tenantId}:${limit}`);
    },
    weightOf: () => 1,
    tenantIds: () => usage.tenantIds(),
    remove: async () => false,
    close: async () => undefined,
  };
}

describe('PgSharedCounts: per-tenant limits on two nodes', () => {
  it('refuses the next message on either node once both together reached the hourly limit', async () => {
    const db = await database();
    const [a, b] = [limitsOn(db.node()), limitsOn(db.node())];
    for (let i = 0; i < 6; i++) a.usage.accepted('t1', Date.now());
    for (let i = 0; i < 5; i++) b.usage.accepted('t1', Date.now());
    // Each node alone is under 10.
    expect(checkTenantMail(a, 't1', undefined, Date.now())).toBeUndefined();
    expect(checkTenantMail(b, 't1', undefined, Date.now())).toBeUndefined();
    await waitFor(() => a.usage.messagesLastHour('t1', Date.now()) === 11, 1_500, 'A to count B’s messages');
    await waitFor(() => b.usage.messagesLastHour('t1', Date.now()) === 11, 1_500, 'B to count A’s messages');
    const refusal = { reply: Replies.tenantRateLimited(10, 'hour'), reason: 'tenant-limit' };
    expect(checkTenantMail(a, 't1', undefined, Date.now())).toEqual(refusal);
    expect(checkTenantMail(b, 't1', undefined, Date.now())).toEqual(refusal);
    expect(b.usage.view('t1', Date.now())).toMatchObject({ messagesLastHour: 11, messagesLastDay: 11 });
    // Another tenant's counts and limits are its own.
    expect(checkTenantMail(a, 't2', undefined, Date.now())).toBeUndefined();
    expect(b.usage.view('t2', Date.now())).toMatchObject({ messagesLastHour: 0, messagesLastDay: 0 });
    expect(a.hits).toEqual(['t1:messagesPerHour']);
  });

  it('forgets a purged tenant in the database too: a node started afterwards counts nothing for it', async () => {
    const db = await database();
    const [a, b] = [db.node(), db.node()];
    const usage = new TenantUsage(a.counts);
    usage.accepted('gone', Date.now());
    usage.accepted('kept', Date.now());
    await a.counts.sync();
    // B purges: it never counted either tenant itself, but knows them from A's rows.
    const onB = new TenantUsage(b.counts);
    await waitFor(() => [...onB.tenantIds()].sort().join() === 'gone,kept', 1_500, 'B to know both tenants');
    onB.forget('gone');
    await b.counts.sync();
    usage.forget('gone');
    expect([...usage.tenantIds()]).toEqual(['kept']);
    const later = new TenantUsage(db.node().counts);
    await waitFor(() => later.messagesLastDay('kept', Date.now()) === 1, 1_500, 'the kept tenant on a new node');
    expect(later.messagesLastDay('gone', Date.now())).toBe(0);
  });
});

describe('PgSharedCounts: database outage, restart, pruning', () => {
  const kind: CountKind = { name: 'test', windowMs: 60_000, maxKeys: 100 };

  it('keeps counting locally while the database is down, says so once, and converges after', async () => {
    const db = await database();
    const [a, b] = [db.node(), db.node()];
    a.counts.add(kind, 'k', 1, Date.now());
    b.counts.add(kind, 'k', 1, Date.now());
    await waitFor(() => a.counts.total(kind, 'k', Date.now()) === 2, 1_500, 'the first sync');
    await cluster.halt();
    try {
      await waitFor(() => a.outages.length > 0 && b.outages.length > 0, 8_000, 'both nodes to notice');
      const started = Date.now();
      for (let i = 0; i < 100; i++) a.counts.add(kind, 'k', 1, Date.now());
      for (let i = 0; i < 50; i++) b.counts.add(kind, 'k', 1, Date.now());
      expect(Date.now() - started).toBeLessThan(100); // no wait on the database
      expect(a.counts.total(kind, 'k', Date.now())).toBe(102);
      await a.counts.sync(); // a round during the outage fails without a throw or a second report
      expect(a.outages).toHaveLength(1);
    } finally {
      await cluster.resume();
    }
    await waitFor(() => a.counts.total(kind, 'k', Date.now()) === 152, 8_000, 'A after the outage');
    await waitFor(() => b.counts.total(kind, 'k', Date.now()) === 152, 8_000, 'B after the outage');
    expect([a.recovered, b.recovered]).toEqual([1, 1]);
  });

  it('keeps counting while the table is locked (a stalled database), and closes within its bound', async () => {
    const db = await database();
    const a = db.node({ statementTimeoutMs: 300, closeWithinMs: 500 });
    const b = db.node();
    const holder = await db.node().pool.connect();
    try {
      await holder.query('BEGIN; LOCK TABLE shared_counts IN ACCESS EXCLUSIVE MODE');
      const started = Date.now();
      for (let i = 0; i < 20; i++) a.counts.add(kind, 'k', 1, Date.now());
      expect(a.counts.total(kind, 'k', Date.now())).toBe(20);
      expect(Date.now() - started).toBeLessThan(100);
      await waitFor(() => a.outages.length > 0, 5_000, 'the stalled round to fail');
      expect(a.outages[0]?.message).toMatch(/statement timeout/);
    } finally {
      await holder.query('COMMIT');
      holder.release();
    }
    await waitFor(() => b.counts.total(kind, 'k', Date.now()) === 20, 5_000, 'B after the stall');
    await waitFor(() => a.recovered === 1, 5_000, 'A to report it is back');
    // A round that cannot finish does not hold a shutdown.
    const again = await db.node().pool.connect();
    try {
      await again.query('BEGIN; LOCK TABLE shared_counts IN ACCESS EXCLUSIVE MODE');
      a.counts.add(kind, 'k', 1, Date.now());
      const closing = Date.now();
      await a.counts.close();
      expect(Date.now() - closing).toBeLessThan(1_500);
    } finally {
      await again.query('COMMIT');
      again.release();
    }
  });

  it('sends and reads more rows than one round takes over several rounds, losing none', async () => {
    const db = await database();
    const [a, b] = [db.node(), db.node()];
    const many: CountKind = { name: 'many', windowMs: 60_000, maxKeys: 20_000 };
    for (let i = 0; i < 12_000; i++) a.counts.add(many, `ip${i}`, 1, Date.now());
    await waitFor(
      () => [0, 4_999, 5_000, 11_999].every((i) => b.counts.total(many, `ip${i}`, Date.now()) === 1),
      5_000,
      'B to read every key',
    );
    const { rows } = await a.pool.query<{ n: string }>('SELECT count(*) AS n FROM shared_counts');
    expect(Number(rows[0]?.n)).toBe(12_000);
  });

  it('keeps what a node counted across its restart (the old rows count as another node’s)', async () => {
    const db = await database();
    const first = db.node();
    first.counts.add(kind, 'ip', 4, Date.now());
    await first.counts.close(); // sends what is left
    const restarted = db.node();
    await waitFor(() => restarted.counts.total(kind, 'ip', Date.now()) === 4, 1_500, 'the restarted node');
  });

  it('prunes rows whose window ended, on one node at a time, and never live ones', async () => {
    const db = await database();
    const a = db.node({ pruneEveryMs: 0 }); // offers to prune in every round
    const holder = await a.pool.connect(); // as if another node were pruning
    await holder.query('SELECT pg_advisory_lock($1::bigint)', [PRUNE_LOCK]);
    // A row a node wrote long ago (a node never sends a delta whose window has ended).
    const ended = Date.now() - 120_000;
    await a.pool.query(
      `INSERT INTO shared_counts (kind, key, node, slot, expires_at, count) VALUES ('test', 'old', 'gone', $1, $2, 1)`,
      [ended - 60_000, ended],
    );
    try {
      a.counts.add(kind, 'live', 1, Date.now());
      await a.counts.sync(); // its round skips pruning: the lock is taken
      expect(await keys(a.pool)).toEqual(['live', 'old']);
    } finally {
      await holder.query('SELECT pg_advisory_unlock($1::bigint)', [PRUNE_LOCK]);
      holder.release();
    }
    await a.counts.sync();
    expect(await keys(a.pool)).toEqual(['live']);
  });
});

async function keys(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{ key: string }>('SELECT key FROM shared_counts ORDER BY key');
  return rows.map((r) => r.key);
}
