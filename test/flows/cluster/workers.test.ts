import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import { makeTenant } from '../../helpers/gateway-harness.js';
import { spawnGateway, type GatewayProcess } from '../../helpers/gateway-process.js';
import { processEnv } from '../../helpers/process-env.js';
import { startSink, type Sink } from '../../helpers/sink.js';
import { waitFor } from '../../helpers/wait-for.js';
import { deliveriesById, sendOne, type Attempt, type LoadTarget } from './load.js';

/**
 * `workers: 2` on one LMDB environment: the primary starts two worker processes sharing the SMTP
 * port; worker 0 delivers what both queue. A worker killed with SIGKILL is started again; nothing
 * that got a 250 is lost, whichever worker accepted it.
 */
const SECRET = 'ef'.repeat(32);

let sink: Sink;
let root: string;
let gateway: GatewayProcess | undefined;
let target: LoadTarget;
/** A second tenant, whose password an attacker guesses: its lock-out must not touch `target`. */
let victim: LoadTarget;

interface LogLine {
  readonly msg: string;
  readonly worker?: number;
  readonly pid?: number;
  readonly queueId?: string;
  readonly code?: number;
}

const lines = (): LogLine[] => gateway?.lines<LogLine>() ?? [];

/** The pid of worker `index` after its `nth` start (1 = first). */
async function workerPid(index: number, nth = 1): Promise<number> {
  const line = await waitFor(
    () => lines().filter((l) => l.msg === 'worker listening' && l.worker === index)[nth - 1],
    30_000,
    `worker ${index} listening (start ${nth})`,
  );
  return line.pid as number;
}

beforeAll(async () => {
  sink = await startSink();
  root = await mkdtemp(join(tmpdir(), 'postbode-workers-'));
  const { tenant, password } = await makeTenant(configSchema.parse({ dataDir: root }), { name: 'Workers BV' });
  target = { port: () => gateway?.smtpPort, user: tenant.smtpUsername, pass: password };
  const other = await makeTenant(configSchema.parse({ dataDir: root }), { name: 'Victim BV' });
  victim = { port: () => gateway?.smtpPort, user: other.tenant.smtpUsername, pass: other.password };
  gateway = await spawnGateway(
    {
      ...processEnv(root, 'workers.postbode.test'),
      POSTBODE_SECRET_KEY: SECRET,
      POSTBODE_WORKERS: '2',
      POSTBODE_SMTP__AUTH__MAX_FAILURES_PER_USER: '4',
      POSTBODE_SMTP__AUTH__FAILURE_DELAY_MS: '0',
      POSTBODE_DELIVERY__MODE: 'smarthost',
      POSTBODE_DELIVERY__SMARTHOST__HOST: '127.0.0.1',
      POSTBODE_DELIVERY__SMARTHOST__PORT: String(sink.port),
      POSTBODE_DELIVERY__SMARTHOST__TLS: 'none',
    },
    40_000,
  );
  await workerPid(1);
}, 60_000);

afterAll(async () => {
  gateway?.child.kill('SIGKILL');
  await gateway?.exited().catch(() => undefined);
  await sink?.close();
  await rm(root, { recursive: true, force: true });
});

/** Sends `n` messages over `parallel` connections at a time; answers every attempt. */
async function send(prefix: string, n: number, parallel = 6): Promise<Attempt[]> {
  const attempts: Attempt[] = [];
  let next = 0;
  const lane = async () => {
    while (next < n) attempts.push(await sendOne(target, `${prefix}-${++next}@workers.test`));
  };
  await Promise.all(Array.from({ length: parallel }, lane));
  return attempts;
}

const delivered = () => deliveriesById(sink.messages.map((m) => m.raw));

async function expectAllDelivered(attempts: readonly Attempt[]): Promise<void> {
  const accepted = attempts.filter((a) => a.code === 250).map((a) => a.messageId);
  await waitFor(() => accepted.every((id) => delivered().has(id)), 20_000, 'every accepted message delivered');
  for (const id of accepted) expect(delivered().get(id), id).toBe(1);
}

describe('workers: 2 on one LMDB environment', () => {
  it('both workers accept submissions and worker 0 delivers all of them, each once', async () => {
    const attempts = await send('both', 24);
    expect(attempts.map((a) => a.code)).toEqual(attempts.map(() => 250));
    await expectAllDelivered(attempts);
    const queuedBy = new Set(
      lines()
        .filter((l) => l.msg === 'message queued')
        .map((l) => l.worker),
    );
    expect([...queuedBy].sort()).toEqual([0, 1]);
  }, 60_000);

  it('failed logins count across both workers: four guesses lock the user out of every worker', async () => {
    const wrong = { ...victim, pass: 'guess' };
    // One connection each: node:cluster hands them to the workers in turn, two guesses per worker.
    for (let i = 0; i < 4; i++) expect((await sendOne(wrong, `guess-${i}@workers.test`)).code).toBe(535);
    // The workers send their counts every 200 ms; a right password is refused once both know.
    let probes = 0;
    const probe = async () => (await sendOne(victim, `probe-${++probes}@workers.test`)).code === 535;
    await waitFor(probe, 5_000, 'the lock-out on both workers', 100);
    // Counted per worker, each would have seen two failures and let the right password in.
    const right = [await sendOne(victim, 'right-1@workers.test'), await sendOne(victim, 'right-2@workers.test')];
    expect(right.map((a) => a.code)).toEqual([535, 535]);
    // The other tenant, from the same address, still gets in.
    expect((await sendOne(target, 'still-in@workers.test')).code).toBe(250);
  }, 60_000);

  it('a receiving worker killed with SIGKILL is started again, and no accepted message is lost', async () => {
    const pid = await workerPid(1);
    const load = send('recv-kill', 30, 4);
    await waitFor(() => delivered().size >= 24 + 5, 20_000, 'some of the load delivered');
    process.kill(pid, 'SIGKILL');
    const attempts = await load;
    expect(attempts.filter((a) => a.code === 250).length).toBeGreaterThan(20);
    await workerPid(1, 2);
    await expectAllDelivered(attempts);
    expect(lines().some((l) => l.msg === 'worker died; starting it again' && l.worker === 1)).toBe(true);
  }, 90_000);

  it('while worker 0 is down the other worker accepts, and worker 0 delivers that mail once back', async () => {
    const pid = await workerPid(0);
    process.kill(pid, 'SIGKILL');
    // Until worker 0 is back, the primary hands every connection to worker 1.
    const attempts = await send('leader-down', 10, 2);
    const restarted = await workerPid(0, 2);
    expect(restarted).not.toBe(pid);
    const accepted = attempts.filter((a) => a.code === 250);
    expect(accepted.length).toBeGreaterThan(0);
    await expectAllDelivered(attempts);
  }, 90_000);

  it('SIGTERM stops every worker and then the primary, with exit code 0', async () => {
    const pids = [await workerPid(0, 2), await workerPid(1, 2)];
    gateway?.child.kill('SIGTERM');
    expect(await gateway?.exited()).toBe(0);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  }, 60_000);
});

describe('workers: a worker that cannot start', () => {
  it('stops the gateway with its exit code and its reason instead of restarting it for ever', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'postbode-workers-bad-'));
    try {
      const started = spawnGateway({
        ...processEnv(dir, 'bad.postbode.test'),
        POSTBODE_SECRET_KEY: 'not-a-key',
        POSTBODE_WORKERS: '2',
      });
      const failure = await started.then(
        () => new Error('started'),
        (err: unknown) => err as Error,
      );
      expect(failure.message).toMatch(/exited with [1-9]/);
      expect(failure.message).toMatch(/POSTBODE_SECRET_KEY/);
      expect(failure.message).toMatch(/worker failed to start; stopping every worker/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
