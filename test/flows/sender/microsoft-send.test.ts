import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSink, type Sink } from '../../helpers/sink.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import {
  graphError,
  LICENCE_REMOVED,
  startFakeMicrosoft,
  THROTTLED,
  type FakeMailbox,
  type FakeMicrosoft,
} from '../../helpers/fake-microsoft.js';
import { linkMailbox, startMicrosoftGateway } from '../../helpers/microsoft-harness.js';
import { API_POLL_MS, attempted, recipients, sendLegacy } from '../../helpers/gmail-harness.js';
import { api, headerOf, legacyClient, queueIdOf } from '../../helpers/sender-harness.js';
import { waitFor } from '../../helpers/wait-for.js';

/**
 * Microsoft 365 mode, sending, through the real gateway and its Graph client pointed at the fake:
 * an invoice from the legacy package reaches Graph as the rendered MIME, byte for byte; the archive
 * as Bcc; 429 with Retry-After; 503 then delivered; 413 bounce and over-size refusal; send-as; a revoked
 * grant and a removed licence (broken, deferred, delivered after relinking); the daily recipient
 * limit; a Graph that never answers. One gateway, tests in order.
 */
describe('sending in Microsoft 365 mode', () => {
  let sink: Sink;
  let fake: FakeMicrosoft;
  let gw: TestGateway;
  const mailbox: FakeMailbox = {
    id: '6f1c2b9e-0000-4000-8000-00000000a11c',
    mail: 'owner@contoso.test',
    proxyAddresses: ['SMTP:owner@contoso.test', 'smtp:facturen@contoso.test', 'SIP:owner@contoso.test'],
  };
  const base = (): string => `/tenants/${gw.tenantId}`;
  const settled = (id: string, status: string) =>
    waitFor(
      async () => {
        const rs = await recipients(gw, id);
        return rs.length > 0 && rs.every((r) => r.status === status) ? rs : undefined;
      },
      8_000,
      `${status} ${id}`,
      API_POLL_MS,
    );
  const sentWith = (subject: string) =>
    waitFor(() => fake.sent.find((m) => m.raw.toString('latin1').includes(`Subject: ${subject}`)), 8_000, subject);

  beforeAll(async () => {
    sink = await startSink();
    fake = await startFakeMicrosoft();
    gw = await startMicrosoftGateway(
      sink.port,
      fake,
      { maxRequestBytes: 40_000, maxMessageBytes: 60_000 },
      { delivery: { sendTimeoutMs: 700 } },
    );
    expect((await linkMailbox(gw, fake, mailbox)).status).toBe(200);
    expect((await api(gw, 'PUT', `${base()}/sender`, { mode: 'microsoft365' })).status).toBe(200);
  });
  afterAll(async () => {
    fake.unstall();
    await gw.stop();
    await Promise.all([sink.close(), fake.close()]);
  });

  it('sends an invoice from the legacy package to Graph as the rendered MIME, byte for byte', async () => {
    const pdf = Buffer.from('%PDF-1.4\n% fake invoice 2026-001\n'.repeat(40)).toString('base64');
    const body =
      '--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nGeachte klant,\r\nzie bijlage.\r\n' +
      `--b1\r\nContent-Type: application/pdf; name="F2026-001.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n` +
      `${pdf.replace(/.{76}/g, '$&\r\n')}\r\n--b1--\r\n`;
    const raw = Buffer.from(
      'From: Boekhouding <noreply@boekhoud.example>\r\nTo: klant@example.test\r\nSubject: Factuur 2026-001\r\n' +
        'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b1"\r\n\r\n' +
        body,
    );
    const client = legacyClient(gw);
    const info = await client.sendMail({
      envelope: { from: 'noreply@boekhoud.example', to: ['klant@example.test'] },
      raw,
    });
    client.close();
    const id = queueIdOf(info.response);
    const [r] = await settled(id, 'delivered');
    expect(r?.lastReply).toBe('250 2.0.0 Microsoft 365 accepted the message');
    const sent = await sentWith('Factuur 2026-001');
    expect(sent.userId).toBe(mailbox.id);
    const text = sent.raw.toString('latin1');
    // The legacy body, attachment included, goes out exactly as the package wrote it.
    expect(text.slice(text.indexOf('\r\n\r\n') + 4)).toBe(body);
    expect(headerOf(sent.raw, 'From')[0]).toMatch(/<owner@contoso\.test>$/);
    expect(headerOf(sent.raw, 'DKIM-Signature')).toEqual([]);
    expect(headerOf(sent.raw, 'Bcc')).toEqual([]);
    const request = fake.requests.find((q) => q.path === `/v1.0/users/${mailbox.id}/sendMail`);
    expect(request?.contentType).toBe('text/plain');
    expect(request?.authorization).toMatch(/^Bearer eyJ0eXAi\.fake-access-/);
    expect(fake.complaints).toEqual([]);
    expect(sink.messages).toHaveLength(0);
  });

  it('sends the same rendered bytes again after a 429, honouring Retry-After', async () => {
    fake.failNext('sendMail', THROTTLED(1));
    const before = Date.now();
    const id = await sendLegacy(gw, { to: 'klant@example.test', subject: 'Throttled' });
    const rs = await settled(id, 'delivered');
    expect(rs[0]?.history[0]?.reply).toMatch(
      /^451 4\.3\.0 Microsoft Graph answered 429 ApplicationThrottled.*retry after 1 s/,
    );
    const bodies = fake.requests
      .filter((q) => q.path.endsWith('/sendMail') && Buffer.from(q.body.toString(), 'base64').includes('Throttled'))
      .map((q) => q.body.toString());
    expect(bodies).toHaveLength(2);
    expect(bodies[1]).toBe(bodies[0]);
    expect(Date.now() - before).toBeGreaterThanOrEqual(1000);
  });

  it('defers on 503 with a long Retry-After and sets the next attempt after it', async () => {
    fake.failNext('sendMail', {
      ...graphError(503, 'ServiceUnavailable', 'Try later'),
      headers: { 'retry-after': '90' },
    });
    const before = Date.now();
    const id = await sendLegacy(gw, { to: 'klant@example.test', subject: 'Unavailable' });
    const [r] = await attempted(gw, id);
    expect(r?.status).toBe('deferred');
    expect(r?.lastReply).toMatch(/^451 4\.3\.0 Microsoft Graph answered 503 ServiceUnavailable.*retry after 90 s/);
    expect(r?.nextAttemptAt).toBeGreaterThanOrEqual(before + 89_000);
    await api(gw, 'POST', `/messages/${id}/retry`);
    await settled(id, 'delivered');
  });

  it('adds the archive address as Bcc (Graph reads recipients from the headers)', async () => {
    expect((await api(gw, 'PUT', `${base()}/sender`, { archiveAddress: 'archief@acme.test' })).status).toBe(200);
    const id = await sendLegacy(gw, { to: 'klant@example.test', subject: 'Met archief' });
    await settled(id, 'delivered');
    expect(headerOf((await sentWith('Met archief')).raw, 'Bcc')).toEqual(['archief@acme.test']);
    expect((await api(gw, 'PUT', `${base()}/sender`, { archiveAddress: null })).status).toBe(200);
  });

  it('keeps a legacy From the mailbox may send as (a proxy address)', async () => {
    const id = await sendLegacy(gw, { to: 'klant@example.test', subject: 'Alias', from: 'facturen@contoso.test' });
    await settled(id, 'delivered');
    expect(headerOf((await sentWith('Alias')).raw, 'From')[0]).toMatch(/<facturen@contoso\.test>$/);
  });

  it('refuses mail over the mode size limit at the end of DATA; bounces what Graph calls too big (413)', async () => {
    const calls = fake.count('sendMail');
    await expect(
      sendLegacy(gw, { to: 'klant@example.test', subject: 'Te groot', text: 'x'.repeat(70_000) }),
    ).rejects.toMatchObject({ responseCode: 552, response: expect.stringContaining('5.3.4') });
    expect(fake.count('sendMail')).toBe(calls);
    fake.failNext('sendMail', graphError(413, 'ErrorMessageSizeExceeded', 'The message exceeds the maximum size'));
    const [t] = await settled(await sendLegacy(gw, { to: 'klant@example.test', subject: '413' }), 'bounced');
    expect(t?.lastReply).toMatch(/^552 5\.3\.4 Microsoft 365 refused the message as too big/);
  });

  it('refuses an own address the mailbox may not send as when saved (400 naming the field)', async () => {
    const answer = await api(gw, 'PUT', `${base()}/sender`, { ownAddress: 'billing@elders.test' });
    expect(answer.status).toBe(400);
    expect(Object.keys(answer.body.fields as object)).toEqual(['body.ownAddress']);
  });

  let brokenId = '';
  let grantId = '';
  it('on a removed licence (403) marks the link broken and defers with a plain reason', async () => {
    fake.failNext('sendMail', LICENCE_REMOVED);
    brokenId = await sendLegacy(gw, { to: 'klant@example.test', subject: 'Licentie weg' });
    const rs = await attempted(gw, brokenId, 2);
    expect(rs.every((r) => r.status === 'deferred')).toBe(true);
    expect(rs[0]?.lastReply).toMatch(
      /^451 4\.7\.0 Microsoft 365 link broken: re-link needed; the mailbox may no longer/,
    );
    expect((await api(gw, 'GET', `${base()}/microsoft365`)).body).toMatchObject({
      status: 'broken',
      brokenReason: expect.stringMatching(/licence or mailbox removed.*ErrorAccessDenied/),
    });
  });

  it('delivers the waiting mail after relinking; on invalid_grant breaks again, never bounces', async () => {
    expect((await linkMailbox(gw, fake, mailbox)).status).toBe(200);
    await settled(brokenId, 'delivered');
    fake.killRefreshTokens(mailbox.id);
    grantId = await sendLegacy(gw, { to: 'klant@example.test', subject: 'Grant weg' });
    const [r] = await attempted(gw, grantId, 2);
    expect(r?.status).toBe('deferred');
    expect(r?.lastReply).toMatch(
      /^451 4\.7\.0 Microsoft 365 link broken: re-link needed; Microsoft no longer.*invalid_grant/,
    );
  });

  it('defers at the daily recipient limit, saying so, until 00:00 UTC', async () => {
    const fresh: FakeMailbox = { ...mailbox, id: '6f1c2b9e-0000-4000-8000-00000000b22d' };
    expect((await linkMailbox(gw, fake, fresh, { dailyRecipientLimit: 3 })).status).toBe(200);
    await settled(grantId, 'delivered'); // waited for the link: 1 recipient of 3 today
    await settled(await sendLegacy(gw, { to: 'a@example.test, b@example.test', subject: 'Twee' }), 'delivered');
    const calls = fake.count('sendMail');
    const id = await sendLegacy(gw, { to: 'klant@example.test', subject: 'Drie' });
    const [r] = await attempted(gw, id);
    const midnight = (Math.floor(Date.now() / 86_400_000) + 1) * 86_400_000;
    const until = new Date(midnight).toISOString();
    expect(r?.lastReply).toBe(
      `451 4.7.0 Microsoft 365 daily limit of 3 recipients reached (3 today), deferred until ${until}`,
    );
    expect(r?.nextAttemptAt).toBeGreaterThanOrEqual(midnight);
    expect(fake.count('sendMail')).toBe(calls);
    expect((await api(gw, 'GET', `${base()}/microsoft365`)).body).toMatchObject({ recipientsToday: 3 });
    expect((await api(gw, 'POST', `${base()}/microsoft365/link`, { dailyRecipientLimit: 0 })).status).toBe(400);
  });

  it('defers within the send timeout when Graph never answers', async () => {
    const fresh: FakeMailbox = { ...mailbox, id: '6f1c2b9e-0000-4000-8000-00000000c33e' };
    expect((await linkMailbox(gw, fake, fresh)).status).toBe(200);
    fake.stallSends();
    const started = Date.now();
    const id = await sendLegacy(gw, { to: 'klant@example.test', subject: 'Stil' });
    const [r] = await attempted(gw, id);
    expect(r?.status).toBe('deferred');
    expect(r?.lastReply).toMatch(/^451 4\.4\.1 Microsoft 365 not reachable: timeout/);
    expect(Date.now() - started).toBeLessThan(5_000);
    fake.unstall();
  });

  it('counts each outcome in postbode_microsoft365_sends_total', async () => {
    const text = await (await fetch(`http://127.0.0.1:${gw.gateway.httpPort}/metrics`)).text();
    const count = (outcome: string): number =>
      Number(
        new RegExp(`^postbode_microsoft365_sends_total\\{outcome="${outcome}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0,
      );
    expect(count('sent')).toBeGreaterThanOrEqual(6);
    expect(count('deferred')).toBeGreaterThanOrEqual(3); // 429, 503, the stalled Graph
    expect(count('bounced')).toBe(1); // 413 (the too-big one was refused at SMTP time)
    expect(count('link-broken')).toBeGreaterThanOrEqual(2);
    expect(count('daily-limit')).toBeGreaterThanOrEqual(1);
  });
});
