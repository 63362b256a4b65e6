import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import { makeTenant } from '../../helpers/gateway-harness.js';
import { spawnGateway, type GatewayProcess } from '../../helpers/gateway-process.js';
import { startPostgres, type TestPostgres } from '../../helpers/postgres.js';
import { processEnv } from '../../helpers/process-env.js';
import { startSink, type Sink } from '../../helpers/sink.js';
import { waitFor } from '../../helpers/wait-for.js';
import { deliveriesById, sendOne, type Attempt, type LoadTarget } from './load.js';

/**
 * `workers: 2` on PostgreSQL: each worker process is a node of the cluster (its own node id), so both
 * receive and both deliver; the API answers from either.
 */
const SECRET = 'ab'.repeat(32);

let pg: TestPostgres;
let sink: Sink;
let root: string;
let gateway: GatewayProcess | undefined;
let target: LoadTarget;

interface LogLine {
  readonly msg: string;
  readonly worker?: number;
  readonly nodeId?: string;
}

const lines = (): LogLine[] => gateway?.lines<LogLine>() ?? [];

beforeAll(async () => {
  pg = await startPostgres();
  const url = await pg.freshDatabase();
  sink = await startSink();
  root = await mkdtemp(join(tmpdir(), 'postbode-workers-pg-'));
  const config = configSchema.parse({ store: { backend: 'postgres', postgres: { url } } });
  const { tenant, password } = await makeTenant(config, { name: 'Workers PG BV' });
  target = { port: () => gateway?.smtpPort, user: tenant.smtpUsername, pass: password };
  gateway = await spawnGateway(
    {
      ...processEnv(root, 'workers-pg.postbode.test'),
      POSTBODE_SECRET_KEY: SECRET,
      POSTBODE_WORKERS: '2',
      POSTBODE_STORE__BACKEND: 'postgres',
      POSTBODE_STORE__POSTGRES__URL: url,
      POSTBODE_STORE__NODE_ID: 'box-1',
      POSTBODE_DELIVERY__MODE: 'smarthost',
      POSTBODE_DELIVERY__SMARTHOST__HOST: '127.0.0.1',
      POSTBODE_DELIVERY__SMARTHOST__PORT: String(sink.port),
      POSTBODE_DELIVERY__SMARTHOST__TLS: 'none',
    },
    40_000,
  );
  await waitFor(() => lines().filter((l) => l.msg === 'worker listening').length >= 2, 30_000, 'both workers');
}, 90_000);

afterAll(async () => {
  gateway?.child.kill('SIGKILL');
  await gateway?.exited().catch(() => undefined);
  await sink?.close();
  await pg?.stop();
  await rm(root, { recursive: true, force: true });
});

describe('workers: 2 on PostgreSQL', () => {
  it('each worker is a node of its own, both accept, and every accepted message is delivered once', async () => {
    const nodes = lines()
      .filter((l) => l.msg === 'database schema up to date')
      .map((l) => l.nodeId);
    expect(nodes.sort()).toEqual(['box-1-w0', 'box-1-w1']);
    const attempts: Attempt[] = [];
    let next = 0;
    const lane = async () => {
      while (next < 24) attempts.push(await sendOne(target, `pg-${++next}@workers.test`));
    };
    await Promise.all(Array.from({ length: 6 }, lane));
    expect(attempts.map((a) => a.code)).toEqual(attempts.map(() => 250));
    const delivered = () => deliveriesById(sink.messages.map((m) => m.raw));
    await waitFor(() => attempts.every((a) => delivered().has(a.messageId)), 20_000, 'all delivered');
    for (const a of attempts) expect(delivered().get(a.messageId), a.messageId).toBe(1);
    const queuedBy = new Set(
      lines()
        .filter((l) => l.msg === 'message queued')
        .map((l) => l.worker),
    );
    expect([...queuedBy].sort()).toEqual([0, 1]);
    const health = await fetch(`http://127.0.0.1:${gateway?.httpPort}/healthz`);
    expect(health.status).toBe(200);
  }, 60_000);
});
