import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeMicrosoft, type FakeMailbox, type FakeMicrosoft } from '../../helpers/fake-microsoft.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { sendLegacy } from '../../helpers/gmail-harness.js';
import { linkMailbox, startMicrosoftGateway } from '../../helpers/microsoft-harness.js';
import { logRecipient } from '../../helpers/message-log.js';
import { api, arrived } from '../../helpers/sender-harness.js';
import { startSink, type Sink } from '../../helpers/sink.js';
import { waitFor } from '../../helpers/wait-for.js';

/**
 * Own-SMTP mode logging in by AUTH XOAUTH2 with a token of the tenant's Microsoft 365 link (what
 * Exchange Online needs once basic authentication is gone): a real smtp-server that takes only
 * XOAUTH2 and accepts a token only when the fake identity platform issued it for SMTP.Send to
 * that mailbox. The tests share one gateway and run in order.
 */
describe('own SMTP server with an XOAUTH2 login (Microsoft 365)', () => {
  let platform: Sink;
  let server: Sink;
  let fake: FakeMicrosoft;
  let gw: TestGateway;
  const logins: { user: string; ok: boolean }[] = [];
  const mailbox: FakeMailbox = {
    id: 'user-ms-1',
    mail: 'owner@contoso-mail.test',
    proxyAddresses: ['SMTP:owner@contoso-mail.test'],
  };
  const sender = (tenantId = gw.tenantId): string => `/tenants/${tenantId}/sender`;
  const smtp = () => ({
    host: '127.0.0.1',
    port: server.port,
    tls: 'starttls',
    rejectUnauthorized: false,
    user: mailbox.mail,
    authentication: 'oauth2',
    oauthProvider: 'microsoft',
  });
  /** An API call retried while the per-token rate limit (polling) answers 429. */
  const accepted = (method: string, path: string, body?: unknown) =>
    waitFor(async () => {
      const answer = await api(gw, method, path, body);
      return answer.status === 429 ? undefined : answer;
    });

  beforeAll(async () => {
    const pems = await generate([{ name: 'commonName', value: 'smtp.contoso-mail.test' }], {
      algorithm: 'sha256',
      keySize: 2048,
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
    });
    fake = await startFakeMicrosoft();
    platform = await startSink();
    server = await startSink({
      tls: { key: pems.private, cert: pems.cert },
      server: {
        authOptional: false,
        authMethods: ['XOAUTH2'],
        onAuth: (auth, _session, cb) => {
          const ok = auth.method === 'XOAUTH2' && fake.smtpAccessOwner(auth.accessToken ?? '') === auth.username;
          logins.push({ user: auth.username ?? '', ok });
          if (ok) cb(null, { user: auth.username });
          else cb(null, { data: { status: '401', schemes: 'bearer' } });
        },
      },
    });
    gw = await startMicrosoftGateway(
      platform.port,
      fake,
      {},
      { delivery: { connectTimeoutMs: 400, sendTimeoutMs: 1500 } },
    );
  });
  afterAll(async () => {
    await gw.stop();
    await Promise.all([platform.close(), server.close(), fake.close()]);
  });

  it('the consent asks for SMTP.Send beside Graph; the code is redeemed for one resource only', async () => {
    const started = await accepted('POST', `/tenants/${gw.tenantId}/microsoft365/link`, {});
    const scope = new URL(String(started.body.consentUrl)).searchParams.get('scope') ?? '';
    expect(scope.split(' ')).toEqual(
      expect.arrayContaining(['https://outlook.office.com/SMTP.Send', 'https://graph.microsoft.com/Mail.Send']),
    );
    expect((await linkMailbox(gw, fake, mailbox)).status).toBe(200);
    expect(fake.complaints).toEqual([]);
  });

  it('the test-send and an invoice from the legacy software log in by XOAUTH2 as the mailbox', async () => {
    expect((await accepted('PUT', sender(), { smtp: smtp() })).status).toBe(200);
    const result = await accepted('POST', `${sender()}/test-send`, { to: 'check@acme.test' });
    expect(result.body).toMatchObject({ ok: true, outcome: 'sent' });
    expect(logins.at(-1)).toEqual({ user: mailbox.mail, ok: true });
    expect(JSON.stringify(result.body)).not.toContain('fake-access');
    expect((await accepted('PUT', sender(), { mode: 'own-smtp' })).status).toBe(200);
    const id = await sendLegacy(gw, { to: 'klant@example.com', subject: 'Factuur 2026-0042' });
    const [got] = await arrived(server, id);
    expect(got?.raw.toString()).toContain('Factuur 2026-0042');
    expect(fake.complaints).toEqual([]);
  });

  it('a second tenant without a link gets "not linked", and no login reaches the server', async () => {
    const made = await accepted('POST', '/tenants', { name: 'Tweede BV' });
    const other = (made.body.tenant as { id: string }).id;
    expect((await accepted('PUT', sender(other), { smtp: smtp() })).status).toBe(200);
    const before = logins.length;
    const result = await accepted('POST', `${sender(other)}/test-send`, { to: 'check@acme.test' });
    expect(result.body).toMatchObject({ ok: false, outcome: 'not-linked', summary: /no Microsoft 365 mailbox/ });
    expect(logins.length).toBe(before);
  });

  it('a revoked grant defers the mail and flags the mode broken in plain words; nothing logs in', async () => {
    fake.killRefreshTokens(mailbox.id);
    server.dropConnections();
    const before = logins.filter((l) => l.ok).length;
    const id = await sendLegacy(gw, { to: 'els@customer.test', subject: 'Factuur 2026-0043' });
    const r = await logRecipient(gw, id, (x) => x.status !== 'queued');
    expect(r.status).toBe('deferred');
    expect(r.lastReply).toMatch(/^451 4\.7\.0 own SMTP OAuth login: Microsoft refused an SMTP login token/);
    const view = await waitFor(async () => {
      const answer = await api(gw, 'GET', sender());
      return answer.body.broken ? answer.body : undefined;
    });
    expect((view.broken as { reason: string }).reason).toMatch(/link/);
    expect(logins.filter((l) => l.ok).length).toBe(before);
    expect(server.messages.some((m) => m.raw.includes('Factuur 2026-0043'))).toBe(false);
  });
});
