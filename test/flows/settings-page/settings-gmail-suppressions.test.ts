import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../../../src/gateway.js';
import { openTenantStore } from '../../../src/tenants/lmdb-tenant-store.js';
import { addTenant } from '../../../src/tenants/tenant-service.js';
import { openPage, signIn, signInAsTenant, type TestPage } from '../../helpers/browser.js';
import { testConfig, type TestGateway } from '../../helpers/gateway-harness.js';
import { ADMIN, api, PLATFORM } from '../../helpers/sender-harness.js';
import { startSink, type Sink } from '../../helpers/sink.js';
import { storageAt } from '../../helpers/temp-storage.js';

/**
 * The parts built on the other helpers' APIs: the Gmail link and the suppression
 * list. Google's consent page is a local stand-in that records what it was asked.
 */
describe('settings page: Gmail link and blocked addresses', () => {
  let sink: Sink;
  let google: Server;
  const consentRequests: string[] = [];
  let gw: TestGateway;
  let browser: Browser;
  let base: string;
  let tp: TestPage;

  beforeAll(async () => {
    sink = await startSink();
    google = createServer((req, res) => {
      consentRequests.push(req.url ?? '');
      res.setHeader('content-type', 'text/html');
      res.end('<!doctype html><title>Google consent (stand-in)</title><h1>Choose an account</h1>');
    });
    await new Promise<void>((resolve) => google.listen(0, '127.0.0.1', resolve));
    const googleBase = `http://127.0.0.1:${(google.address() as AddressInfo).port}`;
    const dataDir = await mkdtemp(join(tmpdir(), 'postbode-web-gmail-'));
    const cfg = testConfig(dataDir, sink.port, { platform: PLATFORM });
    const config = {
      ...cfg,
      gmail: {
        ...cfg.gmail,
        clientId: 'client-123.apps.googleusercontent.com',
        clientSecret: 'not-a-real-secret',
        redirectUrl: 'http://127.0.0.1/oauth/google/callback',
        authUrl: `${googleBase}/o/oauth2/v2/auth`,
        tokenUrl: `${googleBase}/token`,
        revokeUrl: `${googleBase}/revoke`,
        apiRootUrl: `${googleBase}/`,
      },
    };
    const store = openTenantStore(storageAt(dataDir));
    const { tenant, password } = await addTenant(store, { name: 'Acme Facturatie BV' });
    await store.close();
    const gateway = await startGateway(config, pino({ level: 'silent' }), Date.now, {
      POSTBODE_ADMIN_TOKEN: ADMIN,
      POSTBODE_SECRET_KEY: 'ef'.repeat(32),
    });
    gw = {
      gateway,
      dataDir,
      config,
      user: tenant.smtpUsername,
      pass: password,
      tenantId: tenant.id,
      async stop() {
        await gateway.stop(2000);
        await rm(dataDir, { recursive: true, force: true });
      },
    };
    ({ browser, tp, base } = await signInAsTenant(gw));
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
    await new Promise((resolve) => google?.close(resolve));
    await sink?.close();
  });

  it('shows the Gmail link state and "Link Gmail" takes the browser to the consent page the API names', async () => {
    const { page } = tp;
    const section = page.getByRole('region', { name: 'Gmail link' });
    expect(await section.getByText('Not linked.').count()).toBe(1);
    expect(await section.getByText('Sent today: 0 of 2000.').count()).toBe(1);
    expect(await page.getByLabel('Own mailbox (Gmail)').isEnabled()).toBe(true);
    await section.getByRole('button', { name: 'Link Gmail' }).click();
    await page.waitForURL(/\/o\/oauth2\/v2\/auth\?/);
    const url = new URL(page.url());
    expect(url.searchParams.get('client_id')).toBe('client-123.apps.googleusercontent.com');
    expect(url.searchParams.get('state')).toBeTruthy();
    expect(consentRequests.filter((u) => u.startsWith('/o/oauth2/v2/auth?'))).toHaveLength(1);
    // The API call of the page set the flow's cookie in this browser (HttpOnly: the page cannot read it) ...
    const cookies = await page.context().cookies(`${base}/oauth/google/callback`);
    expect(cookies).toEqual([
      expect.objectContaining({ name: 'postbode_gmail_link', httpOnly: true, sameSite: 'Lax', path: '/oauth/google' }),
    ]);
    // ... and the top-level navigation to the callback carries it: another browser is refused, this one
    // gets as far as asking "Google" for the token (the stand-in has none: a Google failure page).
    const state = encodeURIComponent(url.searchParams.get('state') ?? '');
    const callbackUrl = `${base}/oauth/google/callback?code=stand-in-code&state=${state}`;
    const stranger = await openPage(browser);
    await stranger.page.goto(callbackUrl);
    expect(await stranger.page.textContent('body')).toMatch(/started in another browser/);
    await stranger.context.close();
    await page.goto(callbackUrl);
    expect(await page.textContent('body')).toMatch(/Google (did not accept|could not be reached)/);
    await page.goto(`${base}/settings#/sending`);
    await page.getByRole('heading', { level: 1, name: 'Sending' }).waitFor();
  });

  it('blocks an address by hand, shows it with its reason, and sends to it again', async () => {
    const { page } = tp;
    const path = `/tenants/${gw.tenantId}/suppressions`;
    await page.goto(`${base}/settings#/messages`);
    const section = page.getByRole('region', { name: 'Blocked addresses' });
    await section.getByText('No blocked addresses.').waitFor();
    await section.getByLabel('E-mail address').fill('weg@klant.example');
    await section.getByLabel('Reason (optional)').fill('Klant vertrokken');
    await section.getByRole('button', { name: 'Block', exact: true }).click();
    const entry = page
      .getByRole('region', { name: 'Blocked addresses' })
      .getByRole('listitem')
      .filter({ hasText: 'weg@klant.example' });
    await entry.waitFor();
    expect(await entry.textContent()).toMatch(/added by hand: Klant vertrokken/);
    expect((await api(gw, 'GET', path)).body.suppressions).toEqual([
      expect.objectContaining({ address: 'weg@klant.example', reason: 'Klant vertrokken' }),
    ]);

    await page.getByRole('button', { name: 'Send to weg@klant.example again' }).click();
    await page.getByRole('region', { name: 'Blocked addresses' }).getByText('No blocked addresses.').waitFor();
    expect((await api(gw, 'GET', path)).body.suppressions).toEqual([]);
    expect(tp.problems).toEqual([]);
  });

  it('leaves both parts out on a server whose API does not have them (404)', async () => {
    const other = await openPage(browser);
    await other.page.route(/\/api\/v1\/(tenants\/[^/]+\/(gmail|suppressions)|capabilities)$/, (route) =>
      route.fulfill({ status: 404, contentType: 'application/json', body: '{"error":"not_found"}' }),
    );
    const token = String((await api(gw, 'POST', `/tenants/${gw.tenantId}/tokens`, {})).body.token);
    await signIn(other.page, base, token);
    await other.page.getByRole('heading', { level: 1, name: 'Sending' }).waitFor();
    expect(await other.page.getByRole('region', { name: 'Gmail link' }).count()).toBe(0);
    expect(await other.page.getByLabel('Own mailbox (Gmail)').isDisabled()).toBe(true);
    expect(
      await other.page
        .getByText('Not available on this server: the administrator has not set up a connection with Google.')
        .count(),
    ).toBe(1);
    await other.page.getByRole('link', { name: 'Sent mail' }).click();
    await other.page.getByRole('heading', { level: 1, name: 'Sent mail' }).waitFor();
    expect(await other.page.getByRole('region', { name: 'Blocked addresses' }).count()).toBe(0);
    await other.context.close();
  });
});
