import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../../../src/gateway.js';
import { testConfig } from '../../helpers/gateway-harness.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { startPostgres, type TestPostgres } from '../../helpers/postgres.js';
import { waitFor } from '../../helpers/wait-for.js';
import {
  api,
  arrived,
  legacyClient,
  madeTenantClient,
  queueIdOf,
  startSenderGateway,
  type ApiAnswer,
} from '../../helpers/sender-harness.js';
import { sinkReply, startSink, type Sink } from '../../helpers/sink.js';

/** The gateway with its queue on PostgreSQL, end to end: accept, deliver, retry, and tenants kept apart. */
let pg: TestPostgres;
let sink: Sink;
let gw: TestGateway;
const refusedOnce = new Set<string>();

beforeAll(async () => {
  pg = await startPostgres();
  sink = await startSink({
    // A subject with "defer" is refused once with 451, then taken: the retry must come from the database.
    onData: (raw) => {
      const text = raw.toString('latin1');
      const id = /Message-ID: <([^>]+)>/i.exec(text)?.[1] ?? '';
      if (text.includes('Subject: defer') && !refusedOnce.has(id)) {
        refusedOnce.add(id);
        throw sinkReply(451, 'try again later');
      }
    },
  });
  const url = await pg.freshDatabase();
  gw = await startSenderGateway(sink.port, {
    smtp: { requireVerifiedSender: false },
    store: { backend: 'postgres', postgres: { url } },
  });
}, 30_000);

afterAll(async () => {
  await gw?.stop();
  await sink?.close();
  await pg?.stop();
});

describe('the gateway on PostgreSQL', () => {
  it('answers 250 after AUTH and delivers to the next hop; /healthz names the backend', async () => {
    const sent = await legacyClient(gw).sendMail({
      from: 'facturen@acme.example',
      to: 'klant@example.com',
      subject: 'Factuur 2026-001',
      text: 'Hallo',
    });
    expect(sent.response).toMatch(/^250 /);
    const [got] = await arrived(sink, queueIdOf(sent.response));
    expect(got?.raw.toString()).toContain('Factuur 2026-001');
    const health = await fetch(`http://127.0.0.1:${gw.gateway.httpPort}/healthz`);
    expect(((await health.json()) as { store: { backend: string; state: string } }).store).toMatchObject({
      backend: 'postgres',
      state: 'up',
    });
    expect((await fetch(`http://127.0.0.1:${gw.gateway.httpPort}/readyz`)).status).toBe(200);
  });

  it('retries a message the next hop deferred, and delivers it once', async () => {
    const sent = await legacyClient(gw).sendMail({
      from: 'facturen@acme.example',
      to: 'klant@example.com',
      subject: 'defer me',
      text: 'Hallo',
    });
    const id = queueIdOf(sent.response);
    const [got] = await arrived(sink, id);
    expect(got).toBeDefined();
    expect(refusedOnce.size).toBe(1);
    // The sink has it; the gateway records the next hop's 250 right after.
    const shown = await waitFor(
      async () => {
        const reply = await api(gw, 'GET', `/messages/${id}`);
        return reply.status === 200 && JSON.stringify(reply.body).includes('"delivered"') ? reply : undefined;
      },
      10_000,
      'the message log to show the delivery',
    );
    expect(shown.status).toBe(200);
    expect(sink.messages.filter((m) => m.raw.includes(`id ${id}`))).toHaveLength(1);
  });

  it("shows a second tenant none of the first tenant's messages, by list or by id", async () => {
    const first = await legacyClient(gw).sendMail({
      from: 'facturen@acme.example',
      to: 'klant@example.com',
      subject: 'Factuur van Acme',
      text: 'Hallo',
    });
    const firstId = queueIdOf(first.response);
    await arrived(sink, firstId);
    const other: ApiAnswer = await api(gw, 'POST', '/tenants', { name: 'Bolt BV' });
    expect(other.status).toBe(201);
    const otherId = (other.body.tenant as { id: string }).id;
    const token = await api(gw, 'POST', `/tenants/${otherId}/tokens`, {});
    const asOther = (path: string) =>
      fetch(`http://127.0.0.1:${gw.gateway.httpPort}/api/v1${path}`, {
        headers: { authorization: `Bearer ${token.body.token as string}` },
      });
    const own = await madeTenantClient(gw, other).sendMail({
      from: 'facturen@acme.example',
      to: 'klant@example.org',
      subject: 'Factuur van Bolt',
      text: 'Hallo',
    });
    const ownId = queueIdOf(own.response);
    const list = (await (await asOther('/messages')).json()) as { messages: Array<{ id: string }> };
    expect(list.messages.map((m) => m.id)).toEqual([ownId]);
    const asked = (await (await asOther(`/messages?tenant=${gw.tenantId}`)).json()) as { messages: unknown[] };
    expect(asked.messages).toEqual([]);
    expect((await asOther(`/messages/${firstId}`)).status).toBe(404);
  });
});

describe('starting on PostgreSQL', () => {
  /** The start's error, from a gateway on its own data dir with this store and secret key. */
  async function startError(store: Record<string, unknown>, key: string): Promise<Error> {
    const dataDir = await mkdtemp(join(tmpdir(), 'postbode-pg-start-'));
    try {
      const config = testConfig(dataDir, sink.port, { store });
      const started = await startGateway(config, pino({ level: 'silent' }), Date.now, { POSTBODE_SECRET_KEY: key });
      await started.stop(100);
      throw new Error('the gateway started');
    } catch (err) {
      return err as Error;
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }

  it('names the unreachable database without its password', async () => {
    const err = await startError(
      { backend: 'postgres', postgres: { url: 'postgres://postbode:s3cr3t-pw@127.0.0.1:1/postbode' } },
      'ab'.repeat(32),
    );
    expect(err.message).toContain('127.0.0.1:1');
    expect(err.message).not.toContain('s3cr3t-pw');
  });

  it('refuses a node whose secret key is not the one the database was started with', async () => {
    const url = gw.config.store.postgres.url as string;
    const err = await startError({ backend: 'postgres', postgres: { url } }, 'ef'.repeat(32));
    expect(err.message).toMatch(/sealed with key .* but this node loaded key/);
  });
});
