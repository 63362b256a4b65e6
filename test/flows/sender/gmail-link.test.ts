import { join } from 'node:path';
import { open } from 'lmdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSink, type Sink } from '../../helpers/sink.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { startFakeGoogle, type FakeAccount, type FakeGoogle } from '../../helpers/fake-google.js';
import { callback, recordOutgoingHosts, startGmailGateway, startLink } from '../../helpers/gmail-harness.js';
import { api } from '../../helpers/sender-harness.js';

/**
 * Gmail mode, linking: consent URL, the public callback with its single-use state,
 * the status the API shows, activation of mode gmail, unlinking with revoke. Every outgoing
 * HTTP request of the process is recorded: all of them must go to the loopback fake.
 */
describe('Gmail link round trip', () => {
  let sink: Sink;
  let fake: FakeGoogle;
  let gw: TestGateway;
  const account: FakeAccount = {
    address: 'owner@acme-mail.test',
    aliases: ['owner@acme-mail.test', 'facturen@acme.test'],
  };
  let outgoing: ReturnType<typeof recordOutgoingHosts>;
  const base = (): string => `/tenants/${gw.tenantId}`;

  beforeAll(async () => {
    outgoing = recordOutgoingHosts();
    sink = await startSink();
    fake = await startFakeGoogle();
    gw = await startGmailGateway(sink.port, fake);
  });
  afterAll(async () => {
    outgoing.restore();
    await gw.stop();
    await Promise.all([sink.close(), fake.close()]);
  });

  it('starts unlinked and refuses mode gmail before a link (409)', async () => {
    const status = await api(gw, 'GET', `${base()}/gmail`);
    expect(status.status).toBe(200);
    expect(status.body).toEqual({ status: 'unlinked', dailyLimit: 2000, sentToday: 0 });
    const refused = await api(gw, 'PUT', `${base()}/sender`, { mode: 'gmail' });
    expect(refused.status).toBe(409);
    expect(String(refused.body.message)).toMatch(/link/i);
  });

  it('answers a consent URL for gmail.send + gmail.readonly with offline access and a state', async () => {
    const started = await api(gw, 'POST', `${base()}/gmail/link`, {});
    expect(started.status).toBe(200);
    const url = new URL(String(started.body.consentUrl));
    expect(`${url.origin}${url.pathname}`).toBe(`${fake.url}/auth`);
    expect(url.searchParams.get('client_id')).toBe('postbode-test.apps.googleusercontent.com');
    expect(url.searchParams.get('redirect_uri')).toBe('http://localhost:8080/oauth/google/callback');
    expect(url.searchParams.get('access_type')).toBe('offline');
    expect(url.searchParams.get('scope')?.split(' ').sort()).toEqual([
      'https://www.googleapis.com/auth/gmail.readonly',
      'https://www.googleapis.com/auth/gmail.send',
    ]);
    expect(url.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Number(started.body.expiresAt)).toBeGreaterThan(Date.now() + 9 * 60_000);
  });

  it('refuses a callback with an unknown state or without code (400), asking Google nothing', async () => {
    const tokenCalls = fake.count('token');
    // Without the cookie of a flow this browser started, the state is not even looked up.
    const unknown = await callback(
      gw,
      { code: fake.issueCode(account), state: 'not-a-state' },
      (await startLink(gw)).cookie,
    );
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toMatch(/started in another browser/);
    expect((await callback(gw, { state: 'x' })).status).toBe(400);
    expect((await callback(gw, { error: 'access_denied', state: 'x' })).status).toBe(400);
    expect(fake.count('token')).toBe(tokenCalls);
  });

  it('a code issued for another flow (PKCE challenge) is refused by Google: 400, nothing linked', async () => {
    const started = await startLink(gw);
    const state = started.consent.get('state') ?? '';
    const page = await callback(
      gw,
      { code: fake.issueCode(account, 'challenge-of-someone-elses-flow'), state },
      started.cookie,
    );
    expect(page.status).toBe(400);
    expect(await page.text()).toMatch(/Google did not accept this sign-in/);
    expect((await api(gw, 'GET', `${base()}/gmail`)).body).toMatchObject({ status: 'unlinked' });
  });

  it('links through the callback, stores the token sealed, and a state works only once', async () => {
    const started = await startLink(gw, { dailyLimit: 300 });
    const { consent } = started;
    const state = consent.get('state') ?? '';
    const code = fake.issueCode(account, consent.get('code_challenge') ?? undefined);
    const page = await callback(gw, { code, state }, started.cookie);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Gmail account owner@acme-mail.test is linked, you can close this page.');
    expect(html).not.toContain(code);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('set-cookie')).toMatch(
      /^postbode_gmail_link=; Max-Age=0; Path=\/oauth\/google; HttpOnly; SameSite=Lax$/,
    );
    const again = await callback(gw, { code: fake.issueCode(account), state }, started.cookie);
    expect(again.status).toBe(400);
    expect(await again.text()).toMatch(/unknown, expired or was already used/);

    const status = await api(gw, 'GET', `${base()}/gmail`);
    expect(status.body).toMatchObject({
      status: 'linked',
      address: account.address,
      aliases: account.aliases,
      dailyLimit: 300,
      sentToday: 0,
    });
    // The link is in the tenant's audit log, made by the consent flow (no code or state in it).
    const audit = await api(gw, 'GET', '/audit');
    const entries = (audit.body as { entries: Array<Record<string, unknown>> }).entries;
    expect(entries.filter((e) => e.route === '/oauth/google/callback')).toEqual([
      expect.objectContaining({
        actor: 'google-oauth-callback',
        tenantId: gw.tenantId,
        fieldsChanged: ['gmail.link'],
        status: 200,
      }),
    ]);
    expect(JSON.stringify(entries)).not.toContain(state);
    expect(JSON.stringify(status.body)).not.toMatch(/fake-refresh|ya29/);
    // At rest the refresh token is sealed: the LMDB file holds no plain token.
    const refresh = fake.requests.filter((r) => r.path === '/token').length;
    expect(refresh).toBeGreaterThan(0);
    const db = open({ path: join(gw.dataDir, 'db'), maxDbs: 128, readOnly: true });
    const links = db.openDB({ name: 'gmail/gmail-links', encoding: 'json' });
    const stored = JSON.stringify(links.get(gw.tenantId));
    await db.close();
    expect(stored).toContain('refreshTokenSealed');
    expect(stored).not.toMatch(/1\/\/fake-refresh/);
  });

  it('activates mode gmail once linked', async () => {
    const saved = await api(gw, 'PUT', `${base()}/sender`, { mode: 'gmail' });
    expect(saved.status).toBe(200);
    expect(saved.body.mode).toBe('gmail');
  });

  it('unlinks: revokes the token at Google and forgets the link (204)', async () => {
    const answer = await api(gw, 'DELETE', `${base()}/gmail/link`);
    expect(answer.status).toBe(204);
    expect(fake.revoked).toHaveLength(1);
    expect(fake.revoked[0]).toMatch(/^1\/\/fake-refresh-/);
    expect((await api(gw, 'GET', `${base()}/gmail`)).body).toMatchObject({ status: 'unlinked' });
  });

  it('is tenant-scoped like every tenant route (404 for another tenant id)', async () => {
    expect((await api(gw, 'GET', '/tenants/01J000000000000000000000XX/gmail')).status).toBe(404);
  });

  it('never sent an HTTP request anywhere but the loopback fake', () => {
    expect(outgoing.hosts.length).toBeGreaterThanOrEqual(fake.requests.length);
    expect(new Set(outgoing.hosts)).toEqual(new Set(['127.0.0.1']));
    expect(fake.count('profile')).toBeGreaterThan(0);
    expect(fake.count('sendAs')).toBeGreaterThan(0);
  });
});
