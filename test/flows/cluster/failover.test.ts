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
 * Two gateway processes on one PostgreSQL, load on both; node A is killed (SIGKILL) twenty times at
 * random moments and started again, while node B keeps delivering. Every 250 must reach the sink.
 */
const KILLS = 20;
const LEASE_MS = 2_000;
const SECRET = 'cd'.repeat(32);
const A_HOST = 'node-a.postbode.test';
const B_HOST = 'node-b.postbode.test';

let pg: TestPostgres;
let sink: Sink;
let root: string;
let url: string;
let creds: { user: string; pass: string };
let a: GatewayProcess | undefined;
let b: GatewayProcess | undefined;
/** Set once node A is delivering the "stall" message: the sink keeps that session waiting for ever. */
let stalledAtA = false;

/** A small deterministic generator: the kill moments differ per kill but the run can be repeated. */
function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return s / 2_147_483_648;
  };
}

beforeAll(async () => {
  pg = await startPostgres();
  url = await pg.freshDatabase();
  sink = await startSink({
    onData: (raw, session) => {
      if (!raw.includes('<stall-') || session.hostNameAppearsAs !== A_HOST) return;
      stalledAtA = true;
      return new Promise<void>(() => undefined); // node A dies holding it
    },
  });
  root = await mkdtemp(join(tmpdir(), 'postbode-failover-'));
  // One tenant in the shared database: both nodes know it.
  const { tenant, password } = await makeTenant(
    configSchema.parse({ store: { backend: 'postgres', postgres: { url } } }),
    {
      name: 'Failover BV',
    },
  );
  creds = { user: tenant.smtpUsername, pass: password };
  [a, b] = await Promise.all([start('a', A_HOST), start('b', B_HOST)]);
}, 60_000);

afterAll(async () => {
  for (const node of [a, b]) {
    node?.child.kill('SIGKILL');
    await node?.exited().catch(() => undefined);
  }
  await sink?.close();
  await pg?.stop();
  await rm(root, { recursive: true, force: true });
});

function start(name: string, hostname: string): Promise<GatewayProcess> {
  return spawnGateway({
    ...processEnv(join(root, name), hostname),
    POSTBODE_SECRET_KEY: SECRET,
    POSTBODE_DELIVERY__MODE: 'smarthost',
    POSTBODE_DELIVERY__SMARTHOST__HOST: '127.0.0.1',
    POSTBODE_DELIVERY__SMARTHOST__PORT: String(sink.port),
    POSTBODE_DELIVERY__SMARTHOST__TLS: 'none',
    POSTBODE_STORE__BACKEND: 'postgres',
    POSTBODE_STORE__POSTGRES__URL: url,
    POSTBODE_STORE__POSTGRES__LEASE_MS: String(LEASE_MS),
    POSTBODE_STORE__NODE_ID: `${name}-${Date.now()}`,
  });
}

async function kill(node: GatewayProcess): Promise<void> {
  node.child.kill('SIGKILL');
  await node.exited().catch(() => undefined);
}

const delivered = () => deliveriesById(sink.messages.map((m) => m.raw));

describe('failover between two nodes on one PostgreSQL', () => {
  it('loses no accepted message over twenty kills of node A, with duplicates only among those in flight', async () => {
    const attempts: Attempt[] = [];
    const aliveA = () => (a?.child.exitCode === null && a.child.signalCode === null ? a.smtpPort : undefined);
    const targets: Record<string, LoadTarget> = {
      a: { port: aliveA, ...creds },
      b: { port: () => b?.smtpPort, ...creds },
    };
    let stop = false;
    let n = 0;
    const sender = async (node: 'a' | 'b', name: string) => {
      for (let i = 0; i < 20_000 && !stop; i++) {
        const attempt = await sendOne(targets[node] as LoadTarget, `${name}-${++n}@failover.test`);
        attempts.push(attempt);
        // A dead node A: wait for its restart rather than spin on refused connections.
        if (attempt.code === 0) await waitFor(() => stop || aliveA() !== undefined, 30_000, 'node A back', 20);
      }
    };
    const load = Promise.all([sender('a', 'a1'), sender('a', 'a2'), sender('b', 'b1'), sender('b', 'b2')]);
    const accepted = () => attempts.filter((x) => x.code === 250);
    const random = seeded(19);
    let inFlightAtKills = 0;
    try {
      for (let kill_ = 0; kill_ < KILLS; kill_++) {
        // A random moment: after 0 to 7 more accepts anywhere since node A came up.
        const target = accepted().length + Math.floor(random() * 8);
        await waitFor(() => accepted().length >= target, 20_000, `accepts before kill ${kill_ + 1}`);
        const got = delivered();
        inFlightAtKills += accepted().filter((x) => !got.has(x.messageId)).length;
        await kill(a as GatewayProcess);
        a = await start('a', A_HOST);
      }
    } finally {
      // Also when a step above failed: no sender may outlive the test (the next file shares this process).
      stop = true;
      await load.catch(() => undefined);
    }
    await load;

    const ids = accepted().map((x) => x.messageId);
    expect(ids.length).toBeGreaterThan(40);
    await waitFor(() => ids.every((id) => delivered().has(id)), 30_000, 'every accepted message delivered');
    const duplicates = [...delivered().values()].reduce((sum, count) => sum + count - 1, 0);
    expect(duplicates).toBeLessThanOrEqual(inFlightAtKills);
    console.info(`failover: ${ids.length} accepted, ${duplicates} duplicates, ${inFlightAtKills} in flight at kills`);
  }, 240_000);

  it("delivers through node B a message node A held when it died, once A's lease has expired", async () => {
    const sent = await sendOne({ port: () => a?.smtpPort, ...creds }, 'stall-1@failover.test');
    expect(sent.code).toBe(250);
    await waitFor(() => stalledAtA, 10_000, 'node A delivering the message');
    const killedAt = Date.now();
    await kill(a as GatewayProcess);
    a = undefined;
    const byB = await waitFor(
      () => sink.messages.find((m) => m.raw.includes('stall-1@failover.test') && m.helo === B_HOST),
      LEASE_MS * 5,
      'the message delivered by node B',
    );
    expect(byB.raw.toString()).toContain('Subject: Factuur stall-1@failover.test');
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(LEASE_MS / 2);
  }, 30_000);
});
