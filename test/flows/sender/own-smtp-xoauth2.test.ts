import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKEND_ERROR, startFakeGoogle, type FakeAccount, type FakeGoogle } from '../../helpers/fake-google.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { linkAccount, sendLegacy, startGmailGateway, startLink } from '../../helpers/gmail-harness.js';
import { logRecipient } from '../../helpers/message-log.js';
import { api, arrived } from '../../helpers/sender-harness.js';
import { startSink, type Sink } from '../../helpers/sink.js';
import { waitFor } from '../../helpers/wait-for.js';

/** One AUTH the tenant's server saw, and whether it let the client in. */
interface Login {
  readonly method: string;
  readonly user: string;
  readonly token: string;
  readonly ok: boolean;
}

/**
 * Own-SMTP mode logging in by AUTH XOAUTH2 with a token of the tenant's Google link: a real
 * smtp-server that takes only XOAUTH2 and checks each token with the fake Google, the real
 * gateway, the Gmail link made with SMTP access. The tests share one gateway and run in order.
 */
describe('own SMTP server with an XOAUTH2 login (Google)', () => {
  let platform: Sink;
  let server: Sink;
  let fake: FakeGoogle;
  let gw: TestGateway;
  const logins: Login[] = [];
  /** While on, the tenant's server takes the login and then never answers MAIL FROM. */
  const stall = { on: false };
  const account: FakeAccount = { address: 'owner@acme-mail.test', aliases: ['owner@acme-mail.test'] };
  const sender = (tenantId = gw.tenantId): string => `/tenants/${tenantId}/sender`;
  const smtp = (over: Record<string, unknown> = {}) => ({
    host: '127.0.0.1',
    port: server.port,
    tls: 'starttls',
    rejectUnauthorized: false,
    user: account.address,
    authentication: 'oauth2',
    oauthProvider: 'google',
    ...over,
  });

  /** An API call retried while the per-token rate limit (polling the message log) answers 429. */
  const accepted = (method: string, path: string, body?: unknown) =>
    waitFor(async () => {
      const answer = await api(gw, method, path, body);
      return answer.status === 429 ? undefined : answer;
    });

  beforeAll(async () => {
    const pems = await generate([{ name: 'commonName', value: 'smtp.acme-mail.test' }], {
      algorithm: 'sha256',
      keySize: 2048,
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
    });
    fake = await startFakeGoogle();
    platform = await startSink();
    server = await startSink({
      tls: { key: pems.private, cert: pems.cert },
      onMailFrom: () => (stall.on ? new Promise<void>(() => undefined) : undefined),
      server: {
        authOptional: false,
        authMethods: ['XOAUTH2'],
        onAuth: (auth, _session, cb) => {
          const token = auth.accessToken ?? '';
          const ok = auth.method === 'XOAUTH2' && fake.accessTokenOwner(token) === auth.username;
          logins.push({ method: auth.method, user: auth.username ?? '', token, ok });
          // Google's way: a 334 with the error as base64 JSON, then 535 after the client's empty line.
          if (ok) cb(null, { user: auth.username });
          else cb(null, { data: { status: '401', schemes: 'bearer', scope: 'https://mail.google.com/' } });
        },
      },
    });
    gw = await startGmailGateway(platform.port, fake, {}, { delivery: { connectTimeoutMs: 400, sendTimeoutMs: 1500 } });
    expect((await linkAccount(gw, fake, account, { smtp: true })).status).toBe(200);
  });
  afterAll(async () => {
    await gw.stop();
    await Promise.all([platform.close(), server.close(), fake.close()]);
  });

  it('asks Google for SMTP access when the link is made for it, and keeps it on a relink', async () => {
    const link = await api(gw, 'GET', `/tenants/${gw.tenantId}/gmail`);
    expect(link.body).toMatchObject({ status: 'linked', address: account.address, smtp: true });
    const scopes = async (body: Record<string, unknown>) => (await startLink(gw, body)).consent.get('scope') ?? '';
    expect((await scopes({ smtp: true })).split(' ')).toContain('https://mail.google.com/');
    // A relink (say from the Gmail section) keeps the access the link has.
    expect((await scopes({})).split(' ')).toContain('https://mail.google.com/');
  });

  it('refuses incomplete OAuth settings naming the field', async () => {
    const put = (over: Record<string, unknown>) => api(gw, 'PUT', sender(), { smtp: smtp(over) });
    const noProvider = await put({ oauthProvider: undefined });
    expect(noProvider.status).toBe(400);
    expect(noProvider.body.fields).toHaveProperty(['body.smtp.oauthProvider']);
    expect((await put({ user: 'owner' })).body.fields).toHaveProperty(['body.smtp.user']);
    expect((await put({ password: 'secret' })).body.fields).toHaveProperty(['body.smtp.password']);
    expect((await put({ oauthProvider: 'yahoo' })).body.fields).toHaveProperty(['body.smtp.oauthProvider']);
    const provider = await api(gw, 'PUT', sender(), { smtp: smtp({ authentication: 'password' }) });
    expect(provider.body.fields).toHaveProperty(['body.smtp.oauthProvider']);
  });

  it('the test-send logs in by XOAUTH2 as the mailbox; the token is never shown', async () => {
    expect((await api(gw, 'PUT', sender(), { smtp: smtp() })).status).toBe(200);
    const result = await api(gw, 'POST', `${sender()}/test-send`, { to: 'check@acme.test' });
    expect(result.body).toMatchObject({ ok: true, outcome: 'sent' });
    const last = logins.at(-1);
    expect(last).toMatchObject({ method: 'XOAUTH2', user: account.address, ok: true });
    const view = await api(gw, 'GET', sender());
    expect(view.body.smtp).toMatchObject({ authentication: 'oauth2', oauthProvider: 'google', hasPassword: false });
    expect(JSON.stringify([view.body, result.body])).not.toContain(last?.token ?? 'never');
  });

  it('an invoice from the legacy software leaves through the tenant server with XOAUTH2', async () => {
    expect((await api(gw, 'PUT', sender(), { mode: 'own-smtp' })).status).toBe(200);
    const id = await sendLegacy(gw, { from: account.address, to: 'jan@customer.test', subject: 'Factuur 1' });
    const [got] = await arrived(server, id);
    expect(got?.secure).toBe(true);
    expect(got?.envelope.from).toBe(account.address);
    expect(platform.messages.some((m) => m.raw.includes(`id ${id}`))).toBe(false);
    expect(logins.at(-1)).toMatchObject({ method: 'XOAUTH2', ok: true });
  });

  it('a token the server refuses is renewed once and the mail goes out', async () => {
    const refreshes = fake.count('token');
    fake.expireAccessTokens();
    // The token is checked at login only: a new connection must log in with the (now refused) cached token.
    server.dropConnections();
    const before = logins.length;
    const id = await sendLegacy(gw, { from: account.address, to: 'piet@customer.test', subject: 'Factuur 2' });
    await arrived(server, id);
    const tried = logins.slice(before);
    expect(tried.map((l) => l.ok)).toEqual([false, true]);
    expect(tried[0]?.token).not.toBe(tried[1]?.token);
    expect(fake.count('token')).toBe(refreshes + 1);
    expect((await api(gw, 'GET', sender())).body.broken).toBeUndefined();
  });

  it('a server that stalls after the login defers the mail within the send timeout', async () => {
    stall.on = true;
    let id = '';
    try {
      const started = Date.now();
      id = await sendLegacy(gw, { from: account.address, to: 'kees@customer.test', subject: 'Factuur 3' });
      const r = await logRecipient(gw, id, (x) => x.status !== 'queued');
      expect(r.status).toBe('deferred');
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      stall.on = false;
    }
    // Once the server answers again the retry delivers it, and no retry is left to log in during later tests.
    await arrived(server, id);
  });

  it('a second tenant cannot log in with the first tenant’s link', async () => {
    const made = await accepted('POST', '/tenants', { name: 'Tweede BV' });
    const other = (made.body.tenant as { id: string }).id;
    expect((await accepted('PUT', sender(other), { smtp: smtp() })).status).toBe(200);
    const before = logins.length;
    const result = await accepted('POST', `${sender(other)}/test-send`, { to: 'check@acme.test' });
    expect(result.body).toMatchObject({ ok: false, outcome: 'not-linked', summary: /no Google account is linked/ });
    expect(logins.length).toBe(before);
    expect((await accepted('PUT', sender(other), { mode: 'own-smtp' })).status).toBe(409);
    // Its own link is asked for Gmail mode's scopes only, unless it asks for SMTP access.
    const consent = await accepted('POST', `/tenants/${other}/gmail/link`, {});
    const scope = new URL(String(consent.body.consentUrl)).searchParams.get('scope') ?? '';
    expect(scope.split(' ')).not.toContain('https://mail.google.com/');
    const microsoft = await accepted('PUT', sender(other), { smtp: smtp({ oauthProvider: 'microsoft' }) });
    expect(microsoft.status).toBe(200);
    const ms = await accepted('POST', `${sender(other)}/test-send`, { to: 'check@acme.test' });
    expect(ms.body).toMatchObject({ ok: false, outcome: 'not-linked', summary: /cannot be linked on this server/ });
  });

  it('Google not answering for a new token defers the mail without flagging anything', async () => {
    fake.expireAccessTokens();
    server.dropConnections();
    // The OAuth client retries a 5xx on its own (three more times); Google stays down for all of them.
    fake.failNext('token', BACKEND_ERROR, 4);
    const id = await sendLegacy(gw, { from: account.address, to: 'anna@customer.test', subject: 'Factuur 5' });
    const r = await logRecipient(gw, id, (x) => x.status !== 'queued');
    expect(r.status).toBe('deferred');
    expect(r.lastReply).toMatch(/^451 4\.7\.0 own SMTP OAuth login: Google could not be asked/);
    expect((await accepted('GET', sender())).body.broken).toBeUndefined();
    expect((await accepted('GET', `/tenants/${gw.tenantId}/gmail`)).body.status).toBe('linked');
  });

  it('a revoked refresh token defers the mail and flags the mode broken in plain words', async () => {
    fake.killRefreshTokens(account.address);
    fake.expireAccessTokens();
    server.dropConnections();
    const id = await sendLegacy(gw, { from: account.address, to: 'els@customer.test', subject: 'Factuur 4' });
    const r = await logRecipient(gw, id, (x) => x.status !== 'queued');
    expect(r.status).toBe('deferred');
    expect(r.lastReply).toMatch(/^451 4\.7\.0 own SMTP OAuth login: Google refused the stored authorisation/);
    const view = await waitFor(async () => {
      const answer = await api(gw, 'GET', sender());
      return answer.body.broken ? answer.body : undefined;
    });
    expect((view.broken as { reason: string }).reason).toMatch(
      /linked account no longer works.*link the account again/,
    );
    expect((await accepted('GET', `/tenants/${gw.tenantId}/gmail`)).body.status).toBe('broken');
    expect(server.messages.some((m) => m.raw.includes(`id ${id}`))).toBe(false);

    // Linking again makes the waiting mail due at once; it goes out and the flag goes with it.
    const relinked = await waitFor(() =>
      linkAccount(gw, fake, account, { smtp: true }).catch((err: Error) => {
        if (/answered 429/.test(err.message)) return undefined; // polling above used up the API's rate
        throw err;
      }),
    );
    expect(relinked.status).toBe(200);
    await arrived(server, id);
    await waitFor(async () => ((await accepted('GET', sender())).body.broken === undefined ? true : undefined));
  });
});
