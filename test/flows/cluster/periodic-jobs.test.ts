import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../../../src/gateway.js';
import { DIGEST_JOB } from '../../../src/feedback/bounce-alerts/bounce-alerts.js';
import { HOLD_EXPIRY_JOB } from '../../../src/pipeline/review/hold-expiry.js';
import { runOncePerCluster } from '../../../src/store/postgres/cluster-job.js';
import { openPgPool } from '../../../src/store/postgres/pool.js';
import { TENANT_PURGE_JOB } from '../../../src/tenants/tenant-purge-runner.js';
import { testConfig } from '../../helpers/gateway-harness.js';
import { startPostgres, type TestPostgres } from '../../helpers/postgres.js';
import { waitFor } from '../../helpers/wait-for.js';

/**
 * The gateway on PostgreSQL runs its review expiry, bounce-alert digest and tenant purge under the
 * cluster lock: while "another node" (a pool of the test's) holds a job's lock, the gateway's round of
 * that job skips and says so.
 */
let cluster: TestPostgres;
let other: pg.Pool;
let gateway: Gateway | undefined;
let dataDir: string;
const lines: Array<{ msg?: string; job?: string }> = [];
/** The jobs the other node holds, and how to let them go. */
const releases: Array<() => void> = [];
const held: Array<Promise<unknown>> = [];

/** The other node takes `job`'s lock and keeps it until the test ends. */
async function holdElsewhere(job: string): Promise<void> {
  let started = false;
  held.push(
    runOncePerCluster(other, job, async () => {
      started = true;
      await new Promise<void>((resolve) => releases.push(resolve));
    }),
  );
  await waitFor(() => started, 5_000, `the other node to take ${job}`);
}

const skipped = (job: string) =>
  lines.some((l) => l.msg === 'cluster job skipped: another node runs it' && l.job === job);

beforeAll(async () => {
  cluster = await startPostgres();
  const url = await cluster.freshDatabase();
  other = openPgPool(url);
  dataDir = await mkdtemp(join(tmpdir(), 'postbode-periodic-'));
  // The purge runs once at start: the other node holds it from before.
  await holdElsewhere(TENANT_PURGE_JOB);
  await holdElsewhere(HOLD_EXPIRY_JOB);
  await holdElsewhere(DIGEST_JOB);
  const logger = pino({ level: 'debug' }, { write: (l: string) => void lines.push(JSON.parse(l) as never) });
  const store = { backend: 'postgres', postgres: { url } };
  gateway = await startGateway(testConfig(dataDir, 1, { store, queue: { reviewSweepMs: 100 } }), logger, Date.now, {});
}, 30_000);

afterAll(async () => {
  await gateway?.stop(2000);
  for (const release of releases) release();
  await Promise.all(held);
  await other?.end();
  await cluster?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('the periodic jobs of a gateway on PostgreSQL', () => {
  it('skip their round while another node holds the lock: tenant purge, review expiry, alert digest', async () => {
    await waitFor(() => skipped(TENANT_PURGE_JOB), 5_000, 'the start purge to skip');
    await waitFor(() => skipped(HOLD_EXPIRY_JOB), 5_000, 'an expiry sweep to skip');
    expect(await gateway?.bounceAlerts.runDigest()).toBe(0);
    expect(skipped(DIGEST_JOB)).toBe(true);
  });
});
