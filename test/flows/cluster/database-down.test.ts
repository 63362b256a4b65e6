import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { startPostgres, type TestPostgres } from '../../helpers/postgres.js';
import { startSenderGateway } from '../../helpers/sender-harness.js';
import { startSink, type Sink } from '../../helpers/sink.js';
import { expectNothingFor, waitFor } from '../../helpers/wait-for.js';
import { deliveriesById, sendOne, type Attempt } from './load.js';

/** The database halted for 30 s under load: 421/451 only while it is away, nothing lost, back by itself. */
let pg: TestPostgres;
let sink: Sink;
let gw: TestGateway;

beforeAll(async () => {
  pg = await startPostgres();
  sink = await startSink();
  const url = await pg.freshDatabase();
  gw = await startSenderGateway(sink.port, {
    smtp: { requireVerifiedSender: false },
    store: { backend: 'postgres', postgres: { url, leaseMs: 3000 } },
  });
}, 30_000);

afterAll(async () => {
  await gw?.stop();
  await sink?.close();
  await pg?.stop();
});

const readyz = async () => {
  const res = await fetch(`http://127.0.0.1:${gw.gateway.httpPort}/readyz`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe('the database down for 30 s under load', () => {
  it('refuses with 421/451 while down, never 250; /readyz 503; every 250 delivered once it is back', async () => {
    const attempts: Attempt[] = [];
    const target = { port: () => gw.gateway.smtpPort, user: gw.user, pass: gw.pass };
    let stop = false;
    let n = 0;
    // Two senders, each one message at a time; after a refusal they wait for /readyz (at most 0.5 s).
    const sender = async (name: string) => {
      for (let i = 0; i < 5_000 && !stop; i++) {
        const attempt = await sendOne(target, `${name}-${++n}@load.test`);
        attempts.push(attempt);
        if (attempt.code === 250) continue;
        let polls = 0;
        await waitFor(async () => stop || (await readyz()).status === 200 || ++polls >= 5, 10_000, 'ready', 100);
      }
    };
    const load = Promise.all([sender('a'), sender('b')]);
    await waitFor(() => attempts.filter((a) => a.code === 250).length >= 20, 20_000, 'load before the halt');

    await pg.halt();
    const haltedAt = Date.now();
    const down = await waitFor(
      async () => {
        const r = await readyz();
        return r.status === 503 ? r.body : undefined;
      },
      5_000,
      '/readyz 503',
    );
    expect(down).toMatchObject({ ready: false, reason: 'database_unreachable', store: { state: 'down' } });
    const health = (await (await fetch(`http://127.0.0.1:${gw.gateway.httpPort}/healthz`)).json()) as {
      store: unknown;
    };
    expect(health.store).toMatchObject({ backend: 'postgres', state: 'down' });
    // Started after the server stopped: nothing may be answered 250 until it is back.
    const whileDown = () => attempts.filter((a) => a.startedAt > haltedAt);
    await expectNothingFor(30_000 - (Date.now() - haltedAt), () => whileDown().every((a) => a.code !== 250));
    const resumedAt = Date.now();
    await pg.resume();

    await waitFor(async () => (await readyz()).status === 200, 10_000, '/readyz 200 after resume');
    const before = attempts.length;
    await waitFor(() => attempts.slice(before).some((a) => a.code === 250), 10_000, 'a 250 after resume');
    stop = true;
    await load;

    const refusedDown = whileDown().filter((a) => a.endedAt < resumedAt);
    expect(refusedDown.length).toBeGreaterThan(0);
    expect(refusedDown.every((a) => a.code === 421 || a.code === 451)).toBe(true);
    // Once the watch has seen the database go, a new session is refused at once with 421 4.3.0.
    expect(refusedDown.some((a) => a.code === 421)).toBe(true);
    const accepted = attempts.filter((a) => a.code === 250).map((a) => a.messageId);
    await waitFor(
      () => {
        const got = deliveriesById(sink.messages.map((m) => m.raw));
        return accepted.every((id) => (got.get(id) ?? 0) >= 1);
      },
      20_000,
      'every accepted message delivered',
    );
  }, 90_000);
});
