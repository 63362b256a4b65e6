import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSink, type Sink } from '../../helpers/sink.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import {
  BACKEND_ERROR,
  MALFORMED,
  RATE_LIMITED,
  startFakeGoogle,
  type FakeAccount,
  type FakeGoogle,
} from '../../helpers/fake-google.js';
import {
  API_POLL_MS,
  attempted,
  linkAccount,
  recipients,
  recordOutgoingHosts,
  sendLegacy,
  startGmailGateway,
} from '../../helpers/gmail-harness.js';
import { api, headerOf } from '../../helpers/sender-harness.js';
import { waitFor } from '../../helpers/wait-for.js';

/**
 * Gmail mode, sending, through the real gateway and the real @googleapis/gmail
 * client pointed at the fake: send, upload above the threshold, 552 at SMTP time, 401 →
 * refresh and retry, 429 with Retry-After, 5xx, 400 bounce, send-as mismatch, invalid_grant
 * (deferred, link broken, delivered after re-linking) and the daily limit. The tests share one
 * gateway and run in order.
 */
describe('sending in Gmail mode', () => {
  let sink: Sink;
  let fake: FakeGoogle;
  let gw: TestGateway;
  const account: FakeAccount = {
    address: 'owner@acme-mail.test',
    aliases: ['owner@acme-mail.test', 'facturen@acme.test'],
  };
  let outgoing: ReturnType<typeof recordOutgoingHosts>;
  const base = (): string => `/tenants/${gw.tenantId}`;
  const delivered = (id: string) =>
    waitFor(
      async () => {
        const rs = await recipients(gw, id);
        return rs.length > 0 && rs.every((r) => r.status === 'delivered') ? rs : undefined;
      },
      8_000,
      `delivery of ${id}`,
      API_POLL_MS,
    );
  const sentWith = (subject: string) =>
    waitFor(() => fake.sent.find((m) => m.raw.toString('latin1').includes(`Subject: ${subject}`)), 8_000, subject);

  beforeAll(async () => {
    outgoing = recordOutgoingHosts();
    sink = await startSink();
    fake = await startFakeGoogle();
    gw = await startGmailGateway(sink.port, fake, { uploadThresholdBytes: 10_000, maxMessageBytes: 60_000 });
    expect((await linkAccount(gw, fake, account)).status).toBe(200);
    const saved = await api(gw, 'PUT', `${base()}/sender`, { mode: 'gmail', archiveAddress: 'archief@acme.test' });
    expect(saved.status).toBe(200);
  });
  afterAll(async () => {
    outgoing.restore();
    await gw.stop();
    await Promise.all([sink.close(), fake.close()]);
  });

  it(
    'sends through the Gmail API from the account, ' + 'the archive as Bcc, unsigned by us, nothing to the smarthost',
    async () => {
      const id = await sendLegacy(gw, { to: 'klant@example.test', subject: 'Factuur 2026-001' });
      const rs = await delivered(id);
      expect(rs.map((r) => r.address).sort()).toEqual(['archief@acme.test', 'klant@example.test']);
      expect(rs[0]?.lastReply).toMatch(/^250 2\.0\.0 Gmail accepted as gmail-\d+/);
      const sent = await sentWith('Factuur 2026-001');
      expect(sent.upload).toBe(false);
      expect(sent.account).toBe(account.address);
      expect(headerOf(sent.raw, 'From')[0]).toMatch(/<owner@acme-mail\.test>$/);
      expect(headerOf(sent.raw, 'Bcc')).toEqual(['archief@acme.test']);
      expect(headerOf(sent.raw, 'To')[0]).toContain('klant@example.test');
      expect(headerOf(sent.raw, 'DKIM-Signature')).toEqual([]);
      expect(sink.messages).toHaveLength(0);
    },
  );

  it('keeps a legacy From that is a send-as alias of the account', async () => {
    const id = await sendLegacy(gw, { to: 'klant@example.test', subject: 'Factuur alias', from: 'facturen@acme.test' });
    await delivered(id);
    expect(headerOf((await sentWith('Factuur alias')).raw, 'From')[0]).toMatch(/<facturen@acme\.test>$/);
  });

  it('uses the upload (media) endpoint above the threshold', async () => {
    const id = await sendLegacy(gw, { to: 'klant@example.test', subject: 'Groot', text: 'x'.repeat(20_000) });
    await delivered(id);
    const sent = await sentWith('Groot');
    expect(sent.upload).toBe(true);
    const upload = fake.requests.find((r) => r.path === '/upload/gmail/v1/users/me/messages/send');
    expect(upload?.query.get('uploadType')).toBe('media');
    expect(upload?.contentType).toBe('message/rfc822');
  });

  it("refuses mail over Gmail's limit at the end of DATA with 552 5.3.4", async () => {
    await expect(
      sendLegacy(gw, { to: 'klant@example.test', subject: 'Te groot', text: 'y'.repeat(80_000) }),
    ).rejects.toMatchObject({ responseCode: 552, response: expect.stringContaining('5.3.4') });
  });

  it('refreshes the access token once on 401 and sends', async () => {
    fake.expireAccessTokens();
    const tokens = fake.count('token');
    const sends = fake.count('send');
    const id = await sendLegacy(gw, { to: 'klant@example.test', subject: 'Na 401' });
    await delivered(id);
    expect(fake.count('token')).toBe(tokens + 1);
    expect(fake.count('send')).toBe(sends + 2);
  });

  it('defers on 429 and honours Retry-After', async () => {
    fake.failNext('send', RATE_LIMITED(120));
    const before = Date.now();
    const id = await sendLegacy(gw, { to: 'klant@example.test', subject: 'Rate limited' });
    const [r] = await attempted(gw, id);
    expect(r?.status).toBe('deferred');
    expect(r?.lastReply).toMatch(/^451 .*429 rateLimitExceeded.*retry after 120 s/);
    expect(r?.nextAttemptAt).toBeGreaterThanOrEqual(before + 119_000);
  });

  it('defers on 5xx and delivers at the next attempt', async () => {
    fake.failNext('send', BACKEND_ERROR);
    const id = await sendLegacy(gw, { to: 'klant@example.test', subject: 'Backend error' });
    const rs = await delivered(id);
    expect(rs[0]?.history.map((h) => h.outcome)).toEqual(['deferred', 'delivered']);
    expect(rs[0]?.history[0]?.reply).toMatch(/^451 4\.3\.0 Gmail API answered 503 backendError/);
  });

  it('bounces when Gmail calls the message malformed (400)', async () => {
    fake.failNext('send', MALFORMED);
    const id = await sendLegacy(gw, { to: 'klant@example.test', subject: 'Malformed' });
    const rs = await waitFor(
      async () => {
        const got = await recipients(gw, id);
        return got.length > 0 && got.every((x) => x.status === 'bounced') ? got : undefined;
      },
      8_000,
      `the bounce of ${id}`,
      API_POLL_MS,
    );
    expect(rs[0]?.lastReply).toMatch(/^554 5\.6\.0 Gmail refused the message as malformed \(400 invalidArgument\)/);
  });

  it('defers a From that is not a send-as alias, saying so, sends nothing, and sends once fixed', async () => {
    expect((await api(gw, 'PUT', `${base()}/sender`, { ownAddress: 'billing@elders.test' })).status).toBe(200);
    const sends = fake.count('send');
    const id = await sendLegacy(gw, { to: 'klant@example.test', subject: 'Geen alias' });
    const [r] = await attempted(gw, id);
    expect(r?.status).toBe('deferred');
    expect(r?.lastReply).toMatch(
      /^451 4\.7\.0 From billing@elders\.test is not a send-as alias of the linked Gmail account owner@acme-mail\.test/,
    );
    expect(fake.count('send')).toBe(sends);
    // Fixed by the tenant: the waiting mail goes out at its next attempt, from the account.
    expect((await api(gw, 'PUT', `${base()}/sender`, { ownAddress: null })).status).toBe(200);
    await delivered(id);
  });

  let brokenId = '';
  it('on invalid_grant marks the link broken and defers (never bounces) with "re-link needed"', async () => {
    fake.killRefreshTokens(account.address);
    fake.expireAccessTokens();
    brokenId = await sendLegacy(gw, { to: 'klant@example.test', subject: 'Token dood' });
    const rs = await attempted(gw, brokenId, 2);
    expect(rs.every((r) => r.status === 'deferred')).toBe(true);
    for (const h of rs[0]?.history ?? []) expect(h.reply).toMatch(/^451 4\.7\.0 Gmail link broken: re-link needed/);
    const status = await api(gw, 'GET', `${base()}/gmail`);
    expect(status.body).toMatchObject({
      status: 'broken',
      address: account.address,
      brokenReason: expect.stringMatching(/^Gmail link broken: re-link needed .*invalid_grant/),
    });
  });

  it('delivers the waiting mail after re-linking, then defers at the daily limit until 00:00 UTC', async () => {
    expect((await linkAccount(gw, fake, account, { dailyLimit: 2 })).status).toBe(200);
    expect((await api(gw, 'GET', `${base()}/gmail`)).body).toMatchObject({ status: 'linked', dailyLimit: 2 });
    await delivered(brokenId); // the deferred message goes out through the new link: 1 of 2 today
    await delivered(await sendLegacy(gw, { to: 'klant@example.test', subject: 'Quota 2' }));
    const sends = fake.count('send');
    const id = await sendLegacy(gw, { to: 'klant@example.test', subject: 'Quota 3' });
    const [r] = await attempted(gw, id);
    const midnight = (Math.floor(Date.now() / 86_400_000) + 1) * 86_400_000;
    expect(r?.status).toBe('deferred');
    expect(r?.lastReply).toBe(
      `451 4.7.0 Gmail daily limit of 2 reached, deferred until ${new Date(midnight).toISOString()}`,
    );
    expect(r?.nextAttemptAt).toBeGreaterThanOrEqual(midnight);
    expect(fake.count('send')).toBe(sends);
    expect((await api(gw, 'GET', `${base()}/gmail`)).body).toMatchObject({ sentToday: 2 });
  });

  it('counts each outcome in postbode_gmail_sends_total', async () => {
    const text = await (await fetch(`http://127.0.0.1:${gw.gateway.httpPort}/metrics`)).text();
    const count = (outcome: string): number =>
      Number(new RegExp(`^postbode_gmail_sends_total\\{outcome="${outcome}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    expect(count('sent')).toBeGreaterThanOrEqual(6);
    expect(count('deferred')).toBeGreaterThanOrEqual(2); // 429, 503
    expect(count('bounced')).toBe(1); // 400 malformed (the 552 was refused at SMTP time, never sent)
    expect(count('not-send-as')).toBeGreaterThanOrEqual(1);
    expect(count('link-broken')).toBeGreaterThanOrEqual(1);
    expect(count('daily-limit')).toBeGreaterThanOrEqual(1);
  });

  it('sent every request of the Google client (uploads included) to the loopback fake only', () => {
    expect(outgoing.hosts.length).toBeGreaterThanOrEqual(fake.requests.length);
    expect(fake.requests.some((r) => r.path.startsWith('/upload/'))).toBe(true);
    expect(new Set(outgoing.hosts)).toEqual(new Set(['127.0.0.1']));
  });
});
