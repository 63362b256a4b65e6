import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import { loadMigrations, migrate } from '../../../src/store/postgres/migrate.js';
import { openPgSharedCounts, type PgSharedCounts } from '../../../src/store/postgres/pg-shared-counts.js';
import { openPgPool } from '../../../src/store/postgres/pool.js';
import { openTenantLimits, type TenantLimits } from '../../../src/tenants/tenant-limits-service.js';
import { FakeTenants, makeTenant, type Running } from '../../helpers/inbound-harness.js';
import { inboundFixture } from '../../helpers/inbound-fixture.js';
import { startPostgres, type TestPostgres } from '../../helpers/postgres.js';
import { storageAt } from '../../helpers/temp-storage.js';
import { waitFor } from '../../helpers/wait-for.js';

// Two SMTP listeners ("nodes"), each with its own counts on one PostgreSQL database, behind which a
// load balancer would spread one client's connections.
const inbound = inboundFixture();
let cluster: TestPostgres;
let dir: string;
beforeAll(async () => {
  cluster = await startPostgres();
  dir = await mkdtemp(join(tmpdir(), 'postbode-limits-nodes-'));
});
afterAll(async () => {
  await cluster?.stop();
  await rm(dir, { recursive: true, force: true });
});

const opened: { counts: PgSharedCounts[]; pools: pg.Pool[]; limits: TenantLimits[] } = {
  counts: [],
  pools: [],
  limits: [],
};
afterEach(async () => {
  await Promise.all(opened.limits.splice(0).map((l) => l.close()));
  await Promise.all(opened.counts.splice(0).map((c) => c.close()));
  await Promise.all(opened.pools.splice(0).map((p) => p.end()));
});

const tenants = new FakeTenants([
  makeTenant({ id: 'acme', smtpUsername: 'acme', allowPlaintextAuth: true }),
  makeTenant({ id: 'other', smtpUsername: 'other', allowPlaintextAuth: true }),
]);
const verifyPassword = async (password: string) => password === 'right';
const smtp = {
  allowPlaintextAuth: true,
  auth: { maxFailuresPerIp: 3, maxFailuresPerUser: 100, maxFailuresPerConnection: 10, failureDelayMs: 1 },
};

async function sharedCounts(): Promise<() => PgSharedCounts> {
  const url = await cluster.freshDatabase();
  const admin = openPgPool(url);
  opened.pools.push(admin);
  await migrate(admin, await loadMigrations());
  return () => {
    const pool = openPgPool(url);
    const counts = openPgSharedCounts(pool, { syncMs: 100 });
    opened.pools.push(pool);
    opened.counts.push(counts);
    return counts;
  };
}

let nodes = 0;
async function node(counts: PgSharedCounts): Promise<Running> {
  const config = configSchema.parse({ limits: { messagesPerHour: 3 } });
  const limits = await openTenantLimits(storageAt(join(dir, `node-${++nodes}`)), config, undefined, counts);
  opened.limits.push(limits);
  return inbound.start({ tenants, verifyPassword, smtp, authCounts: counts, limits });
}

const plain = (user: string, pass: string) => Buffer.from(`\0${user}\0${pass}`).toString('base64');

/** The reply code to the right password, on a new connection from `localAddress`. */
async function authCode(port: number, localAddress = '127.0.0.1'): Promise<number> {
  const client = await inbound.open(port, { localAddress });
  await client.expect('EHLO client.test', 250);
  const { code } = await client.command(`AUTH PLAIN ${plain('acme', 'right')}`);
  client.close();
  return code;
}

describe('AUTH throttles and tenant limits across two SMTP nodes on one PostgreSQL', () => {
  it('blocks an IP on both nodes once its failures on the two together reach the limit', async () => {
    const nextNode = await sharedCounts();
    const [a, b] = [await node(nextNode()), await node(nextNode())];
    const onA = await inbound.open(a.port);
    await onA.expect('EHLO client.test', 250);
    for (const pass of ['bad1', 'bad2'])
      expect((await onA.command(`AUTH PLAIN ${plain('acme', pass)}`)).code).toBe(535);
    const onB = await inbound.open(b.port);
    await onB.expect('EHLO client.test', 250);
    expect((await onB.command(`AUTH PLAIN ${plain('acme', 'bad3')}`)).code).toBe(535);
    // Node B alone has seen one failure; with A's two the IP is at its limit of 3.
    await waitFor(async () => (await authCode(b.port)) === 535, 3_000, 'node B to refuse the right password', 150);
    expect(b.metrics.rejections).toContain('auth-throttled-ip');
    expect(await authCode(a.port)).toBe(535);
    expect(a.metrics.rejections).toContain('auth-throttled-ip');
    // Another client address is not touched, on either node.
    expect(await authCode(b.port, '127.0.0.2')).toBe(235);
    expect(await authCode(a.port, '127.0.0.2')).toBe(235);
  });

  it("refuses a tenant's next message on either node at the hourly limit of both together; others send", async () => {
    const nextNode = await sharedCounts();
    const [a, b] = [await node(nextNode()), await node(nextNode())];
    const session = async (port: number, user: string) => {
      const client = await inbound.open(port);
      await client.expect('EHLO client.test', 250);
      await client.expect(`AUTH PLAIN ${plain(user, 'right')}`, 235);
      return client;
    };
    const send = async (client: Awaited<ReturnType<typeof session>>) => {
      await client.expect('MAIL FROM:<billing@acme.example>', 250);
      await client.expect('RCPT TO:<customer@example.com>', 250);
      await client.expect('DATA', 354);
      client.write('Subject: Invoice\r\n\r\nPlease pay.\r\n.\r\n');
      expect((await client.reply()).code).toBe(250);
    };
    const onA = await session(a.port, 'acme');
    await send(onA);
    await send(onA);
    await send(await session(b.port, 'acme'));
    // Each node refuses once it has read the other's count (a node alone is under 3).
    for (const [client, other] of [
      [await session(b.port, 'acme'), 'A'],
      [onA, 'B'],
    ] as const) {
      const last = await waitFor(
        async () => {
          const reply = await client.command('MAIL FROM:<billing@acme.example>');
          if (reply.code === 250) await client.expect('RSET', 250);
          return reply.code === 451 && reply.last;
        },
        3_000,
        `the messages sent through node ${other} to count`,
        150,
      );
      expect(last).toMatch(/^451 4\.7\.1 Tenant limit of 3 messages per hour reached/);
    }
    await send(await session(a.port, 'other'));
    expect([a.queued.length, b.queued.length]).toEqual([3, 1]);
  });
});
