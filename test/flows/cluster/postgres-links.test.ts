import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeToken } from '../../../src/feedback/opens/tracking-token.js';
import { startGateway } from '../../../src/gateway.js';
import { createSecretBox } from '../../../src/secrets/secret-box.js';
import { fakeGoogleConfig, type FakeAccount, type FakeGoogle, startFakeGoogle } from '../../helpers/fake-google.js';
import { testConfig, type TestGateway } from '../../helpers/gateway-harness.js';
import { API_POLL_MS, callback, recipients, sendLegacy, startLink } from '../../helpers/gmail-harness.js';
import { startPostgres, type TestPostgres } from '../../helpers/postgres.js';
import { ADMIN, api, PLATFORM, startSenderGateway } from '../../helpers/sender-harness.js';
import { startSink, type Sink } from '../../helpers/sink.js';
import { waitFor } from '../../helpers/wait-for.js';

/**
 * Two gateways on one PostgreSQL in Gmail mode: a link made through node A is used by node B, the
 * OAuth state A issued is consumed once by the callback landing on B, the daily limit holds for
 * both, a pixel open served by B shows in A's message log, another tenant reaches none of it, and
 * a halted database answers 503 and loses nothing. The tests share the gateways and run in order.
 */
const SECRET_KEY = 'ab'.repeat(32);
let cluster: TestPostgres;
let sink: Sink;
let fake: FakeGoogle;
let a: TestGateway;
let b: TestGateway;
let db: pg.Pool;
const account: FakeAccount = { address: 'owner@acme-mail.test', aliases: ['owner@acme-mail.test'] };
const FROM = 'owner@acme-mail.test';
const gmailPath = () => `/tenants/${a.tenantId}/gmail`;

beforeAll(async () => {
  cluster = await startPostgres();
  sink = await startSink();
  fake = await startFakeGoogle();
  const url = await cluster.freshDatabase();
  const store = { backend: 'postgres', postgres: { url } };
  a = await startSenderGateway(sink.port, { gmail: fakeGoogleConfig(fake), store });
  const dataDir = await mkdtemp(join(tmpdir(), 'postbode-links-b-'));
  const config = testConfig(dataDir, sink.port, { platform: PLATFORM, gmail: fakeGoogleConfig(fake), store });
  const gateway = await startGateway(config, pino({ level: 'silent' }), Date.now, {
    POSTBODE_ADMIN_TOKEN: ADMIN,
    POSTBODE_SECRET_KEY: SECRET_KEY,
  });
  b = { ...a, gateway, dataDir, config, stop: () => gateway.stop(2000) };
  db = new pg.Pool({ connectionString: url, max: 1 });
  // The halt below ends this pool's idle connection too: it reconnects when next asked.
  db.on('error', () => undefined);
}, 60_000);

afterAll(async () => {
  await b?.stop();
  await a?.stop();
  await db?.end();
  await Promise.all([sink?.close(), fake?.close()]);
  await cluster?.stop();
});

const status = async (gw: TestGateway) => (await api(gw, 'GET', gmailPath())).body;
const sentWith = (subject: string) => fake.sent.filter((m) => m.raw.toString('latin1').includes(`Subject: ${subject}`));

/** A consent round trip started on `from` whose callback the browser brings to `to`. */
async function linkAcross(from: TestGateway, to: TestGateway, body: Record<string, unknown> = {}) {
  const started = await startLink(from, body);
  expect(started.status).toBe(200);
  const state = started.consent.get('state') ?? '';
  const code = () => fake.issueCode(account, started.consent.get('code_challenge') ?? undefined);
  return {
    first: await callback(to, { code: code(), state }, started.cookie),
    again: () => callback(from, { code: code(), state }, started.cookie),
  };
}

describe('Gmail links on two gateways sharing one PostgreSQL', () => {
  it('a link started on node A completes on node B, once; both nodes then show it', async () => {
    const { first, again } = await linkAcross(a, b);
    expect(first.status).toBe(200);
    const reused = await again();
    expect(reused.status).toBe(400);
    expect(await reused.text()).toContain('already used');
    await waitFor(async () => (await status(a)).status === 'linked', 3_000, 'the link on node A', API_POLL_MS);
    expect(await status(b)).toMatchObject({ status: 'linked', address: account.address });
  });

  it('the database holds the refresh token sealed, never as Google gave it', async () => {
    const { rows } = await db.query<{ link: { refreshTokenSealed: string }; text: string }>(
      'SELECT link, row_to_json(l)::text AS text FROM mailbox_links l',
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]?.link.refreshTokenSealed).toMatch(/^v1\./);
    expect(rows[0]?.text).not.toContain('1//fake-refresh-');
    const states = await db.query<{ text: string }>('SELECT row_to_json(s)::text AS text FROM mailbox_link_states s');
    expect(states.rows.map((r) => r.text).join()).not.toContain('1//fake-refresh-');
  });

  it('mail accepted by node B goes out through the link made through node A', async () => {
    expect((await api(a, 'PUT', `/tenants/${a.tenantId}/sender`, { mode: 'gmail' })).status).toBe(200);
    await waitFor(
      async () => (await api(b, 'GET', `/tenants/${a.tenantId}/sender`)).body.mode === 'gmail',
      3_000,
      'gmail mode on node B',
      API_POLL_MS,
    );
    await sendLegacy(b, { from: FROM, to: 'klant@example.test', subject: 'Via node B' });
    const [sent] = await waitFor(
      () => (sentWith('Via node B').length > 0 ? sentWith('Via node B') : undefined),
      10_000,
    );
    expect(sent?.account).toBe(account.address);
  });

  it('a daily limit of 3 holds across both nodes: of 5 messages sent over both, 3 go out', async () => {
    // A new link (its own count) with a limit of 3, made on B and completed on A.
    expect((await linkAcross(b, a, { dailyLimit: 3 })).first.status).toBe(200);
    await waitFor(async () => (await status(b)).dailyLimit === 3, 3_000, 'the limit on node B', API_POLL_MS);
    const ids: Array<{ gw: TestGateway; id: string }> = [];
    for (const [i, gw] of [a, b, a, b, b].entries())
      ids.push({ gw, id: await sendLegacy(gw, { from: FROM, to: 'klant@example.test', subject: `Quota ${i}` }) });
    const settled = await waitFor(
      async () => {
        const all = await Promise.all(ids.map(async ({ gw, id }) => (await recipients(gw, id))[0]));
        return all.every((r) => r !== undefined && r.attempts >= 1) ? all : undefined;
      },
      15_000,
      'an attempt of each message',
      API_POLL_MS,
    );
    expect(settled.filter((r) => r?.status === 'delivered')).toHaveLength(3);
    const deferred = settled.filter((r) => r?.status !== 'delivered');
    expect(deferred).toHaveLength(2);
    for (const r of deferred) expect(r?.lastReply).toContain('Gmail daily limit of 3 reached');
    expect([0, 1, 2, 3, 4].flatMap((i) => sentWith(`Quota ${i}`))).toHaveLength(3);
    const counted = await db.query<{ n: number }>(
      "SELECT n FROM mailbox_send_counts WHERE provider = 'gmail' ORDER BY link_key DESC LIMIT 1",
    );
    expect(counted.rows).toEqual([{ n: 3 }]);
  });

  it("a pixel open served by node B shows in node A's message log; another tenant sees none of it", async () => {
    const id = await sendLegacy(a, { from: FROM, to: 'piet@klant.test', subject: 'Opened' });
    const key = createSecretBox(Buffer.from(SECRET_KEY, 'hex')).deriveKey('tracking');
    const token = makeToken(key, { messageId: id, recipient: 'piet@klant.test', counts: true });
    expect((await fetch(`http://127.0.0.1:${b.gateway.httpPort}/t/${token}.gif`)).status).toBe(200);
    const opens = await waitFor(
      async () => (await api(a, 'GET', `/messages/${id}`)).body.opens as Record<string, { count: number }> | undefined,
      5_000,
      "the open in node A's log",
      API_POLL_MS,
    );
    expect(opens['piet@klant.test']?.count).toBe(1);

    const other = await api(a, 'POST', '/tenants', { name: 'Bolt BV' });
    expect(other.status).toBe(201);
    const otherId = (other.body.tenant as { id: string }).id;
    const otherToken = String((await api(a, 'POST', `/tenants/${otherId}/tokens`, {})).body.token);
    const asOther = (gw: TestGateway, method: string, path: string) =>
      fetch(`http://127.0.0.1:${gw.gateway.httpPort}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${otherToken}` },
      });
    for (const gw of [a, b]) {
      expect((await asOther(gw, 'GET', gmailPath())).status).toBe(404);
      expect((await asOther(gw, 'DELETE', `${gmailPath()}/link`)).status).toBe(404);
      expect((await asOther(gw, 'POST', `${gmailPath()}/link`)).status).toBe(404);
      expect((await asOther(gw, 'GET', `/messages/${id}`)).status).toBe(404);
      const list = (await (await asOther(gw, 'GET', '/messages')).json()) as { messages: unknown[] };
      expect(JSON.stringify(list)).not.toContain('piet@klant.test');
    }
    expect(await status(b)).toMatchObject({ status: 'linked' });
    expect((await db.query('SELECT 1 FROM mailbox_links')).rowCount).toBe(1);
  });

  it('with the database halted, link and unlink answer 503 and change nothing; both work after resume', async () => {
    await cluster.halt();
    try {
      const start = await api(a, 'POST', `${gmailPath()}/link`, {});
      expect(start.status).toBe(503);
      expect(start.body.error).toBe('busy');
      const unlink = await api(b, 'DELETE', `${gmailPath()}/link`);
      expect(unlink.status).toBe(503);
      expect(unlink.body.error).toBe('busy');
    } finally {
      await cluster.resume();
    }
    expect((await db.query('SELECT 1 FROM mailbox_links')).rowCount).toBe(1);
    await waitFor(
      async () => (await api(b, 'DELETE', `${gmailPath()}/link`)).status === 204,
      15_000,
      'unlink after resume',
      200,
    );
    await waitFor(async () => (await status(a)).status === 'unlinked', 10_000, 'unlinked on node A', API_POLL_MS);
    expect((await db.query('SELECT 1 FROM mailbox_links')).rowCount).toBe(0);
    const { first } = await linkAcross(a, b);
    expect(first.status).toBe(200);
    await waitFor(async () => (await status(a)).status === 'linked', 5_000, 'linked again on node A', API_POLL_MS);
  }, 60_000);
});
