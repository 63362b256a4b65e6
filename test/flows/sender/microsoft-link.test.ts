import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSink, type Sink } from '../../helpers/sink.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import {
  CLIENT_SECRET,
  startFakeMicrosoft,
  type FakeMailbox,
  type FakeMicrosoft,
} from '../../helpers/fake-microsoft.js';
import { linkMailbox, msCallback, startMicrosoftGateway, startMsLink } from '../../helpers/microsoft-harness.js';
import { ADMIN, api } from '../../helpers/sender-harness.js';

/**
 * Linking a Microsoft 365 mailbox through the real gateway and the fake identity platform: the
 * consent URL (PKCE S256, scopes, redirect URI), the code exchange the fake checks (secret,
 * verifier, redirect URI), the token sealed at rest, the browser binding and single-use state,
 * another tenant kept out, choosing the mode, unlinking.
 */
describe('linking a Microsoft 365 mailbox', () => {
  let sink: Sink;
  let fake: FakeMicrosoft;
  let gw: TestGateway;
  const mailbox: FakeMailbox = {
    id: '0d6f3c1a-0000-4000-8000-0000000000aa',
    mail: 'owner@contoso.test',
    proxyAddresses: ['SMTP:owner@contoso.test', 'smtp:facturen@contoso.test', 'X500:/o=ExchangeLabs/cn=owner'],
  };
  const base = (): string => `/tenants/${gw.tenantId}`;
  const http = (): string => `http://127.0.0.1:${gw.gateway.httpPort}`;

  beforeAll(async () => {
    sink = await startSink();
    fake = await startFakeMicrosoft();
    gw = await startMicrosoftGateway(sink.port, fake);
  });
  afterAll(async () => {
    await gw.stop();
    await Promise.all([sink.close(), fake.close()]);
  });

  it('refuses mode microsoft365 before a mailbox is linked (409)', async () => {
    const answer = await api(gw, 'PUT', `${base()}/sender`, { mode: 'microsoft365' });
    expect(answer.status).toBe(409);
    expect(String(answer.body.message)).toMatch(/needs a linked, working mailbox/);
  });

  it('offers a consent URL at the configured authority with PKCE S256 and the mail scopes', async () => {
    const started = await startMsLink(gw);
    expect(started.status).toBe(200);
    expect(started.consentUrl.startsWith(`${fake.url}/common/oauth2/v2.0/authorize?`)).toBe(true);
    const c = started.consent;
    expect(c.get('code_challenge_method')).toBe('S256');
    expect(c.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(c.get('scope')?.split(' ')).toEqual(
      expect.arrayContaining(['offline_access', 'https://graph.microsoft.com/Mail.Send']),
    );
    expect(c.get('redirect_uri')).toBe(`${gw.config.http.publicBaseUrl.replace(/\/+$/, '')}/oauth/microsoft/callback`);
    expect(started.setCookie).toMatch(/^postbode_microsoft_link=.*Path=\/oauth\/microsoft; HttpOnly; SameSite=Lax/);
  });

  it('refuses a callback from another browser before Microsoft is asked, then links in the right one', async () => {
    const started = await startMsLink(gw);
    const code = fake.issueCode(mailbox, started.consent);
    const state = started.consent.get('state') ?? '';
    const tokenCalls = fake.count('token');
    const elsewhere = await msCallback(gw, { code, state });
    expect(elsewhere.status).toBe(400);
    expect(await elsewhere.text()).toMatch(/started in another browser/);
    expect(fake.count('token')).toBe(tokenCalls);
    const linked = await msCallback(gw, { code, state }, started.cookie);
    expect(linked.status).toBe(200);
    expect(await linked.text()).toContain('owner@contoso.test is linked');
    expect(fake.complaints).toEqual([]);
    const exchange = fake.requests.find((r) => r.body.toString().includes('grant_type=authorization_code'));
    const form = new URLSearchParams(exchange?.body.toString());
    expect(form.get('client_secret')).toBe(CLIENT_SECRET);
    expect(form.get('code_verifier')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The state works once.
    expect((await msCallback(gw, { code, state }, started.cookie)).status).toBe(400);
  });

  it('shows the link with the addresses the mailbox may send as, never a token', async () => {
    const status = await api(gw, 'GET', `${base()}/microsoft365`);
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({
      status: 'linked',
      address: 'owner@contoso.test',
      sendAs: ['owner@contoso.test', 'facturen@contoso.test'],
      dailyRecipientLimit: 10_000,
      recipientsToday: 0,
    });
    const text = JSON.stringify(status.body);
    for (const token of fake.refreshTokens) expect(text).not.toContain(token);
  });

  it('keeps the refresh token sealed at rest', async () => {
    const [token] = fake.refreshTokens;
    const files = await readdir(join(gw.dataDir, 'db'), { recursive: true }).catch(() => [] as string[]);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const bytes = await readFile(join(gw.dataDir, 'db', file)).catch(() => Buffer.alloc(0));
      expect(bytes.includes(token ?? 'none')).toBe(false);
    }
  });

  it("keeps another tenant out: its token sees 404 for the first tenant's link", async () => {
    const other = (await api(gw, 'POST', '/tenants', { name: 'Tweede BV' })).body.tenant as { id: string };
    const token = String((await api(gw, 'POST', `/tenants/${other.id}/tokens`, {})).body.token);
    const as = (method: string, path: string, body?: unknown) =>
      fetch(`${http()}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    expect((await as('GET', `${base()}/microsoft365`)).status).toBe(404);
    expect((await as('POST', `${base()}/microsoft365/link`, {})).status).toBe(404);
    expect((await as('DELETE', `${base()}/microsoft365/link`)).status).toBe(404);
    const own = await (await as('GET', `/tenants/${other.id}/microsoft365`)).json();
    expect(own).toMatchObject({ status: 'unlinked' });
    expect((await as('PUT', `/tenants/${other.id}/sender`, { mode: 'microsoft365' })).status).toBe(409);
    expect((await api(gw, 'GET', `${base()}/microsoft365`)).body).toMatchObject({ status: 'linked' });
  });

  it('lets the tenant choose the mode once linked, and checks its own address against the mailbox', async () => {
    expect((await api(gw, 'PUT', `${base()}/sender`, { mode: 'microsoft365' })).status).toBe(200);
    const alias = await api(gw, 'PUT', `${base()}/sender`, { ownAddress: 'facturen@contoso.test' });
    expect(alias.status).toBe(200);
    const foreign = await api(gw, 'PUT', `${base()}/sender`, { ownAddress: 'info@elders.test' });
    expect(foreign.status).toBe(400);
    expect(foreign.body.fields).toEqual({ 'body.ownAddress': [expect.stringMatching(/may not send as/)] });
  });

  it('answers a callback opened directly, or with access denied, with a page that says what to do', async () => {
    expect((await msCallback(gw, {})).status).toBe(400);
    const denied = await msCallback(gw, { error: 'access_denied', error_description: 'AADSTS65004' });
    expect(denied.status).toBe(400);
    expect(await denied.text()).toMatch(/access was not granted/);
  });

  it('unlinks: the status says unlinked and the link is gone', async () => {
    const res = await fetch(`${http()}/api/v1${base()}/microsoft365/link`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    expect(res.status).toBe(204);
    expect((await api(gw, 'GET', `${base()}/microsoft365`)).body).toMatchObject({ status: 'unlinked' });
    expect((await linkMailbox(gw, fake, mailbox)).status).toBe(200);
  });
});
