import type { Browser } from 'playwright-core';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot, signInAsTenant, type TestPage } from '../../helpers/browser.js';
import { startFakeGoogle, type FakeAccount, type FakeGoogle } from '../../helpers/fake-google.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { linkAccount, startGmailGateway } from '../../helpers/gmail-harness.js';
import { api } from '../../helpers/sender-harness.js';
import { startSink, type Sink } from '../../helpers/sink.js';

/**
 * The own-SMTP form's login choice in real Chromium: the tenant whose Google account is linked
 * with SMTP access chooses "Google account (OAuth)", saves the server without a password and
 * sends the test invoice, which logs in to a real smtp-server by XOAUTH2 with a token the fake
 * Google issued.
 */
describe('settings page: own SMTP server with a Google account login', () => {
  let platform: Sink;
  let server: Sink;
  let fake: FakeGoogle;
  let gw: TestGateway;
  let browser: Browser;
  let tp: TestPage;
  const logins: Array<{ method: string; user: string; ok: boolean }> = [];
  const account: FakeAccount = { address: 'owner@acme-mail.test', aliases: ['owner@acme-mail.test'] };

  beforeAll(async () => {
    const pems = await generate([{ name: 'commonName', value: 'smtp.acme-mail.test' }], {
      algorithm: 'sha256',
      keySize: 2048,
    });
    fake = await startFakeGoogle();
    platform = await startSink();
    server = await startSink({
      tls: { key: pems.private, cert: pems.cert },
      server: {
        authOptional: false,
        authMethods: ['XOAUTH2'],
        onAuth: (auth, _session, cb) => {
          const ok = fake.accessTokenOwner(auth.accessToken ?? '') === auth.username;
          logins.push({ method: auth.method, user: auth.username ?? '', ok });
          if (ok) cb(null, { user: auth.username });
          else cb(null, { data: { status: '401', schemes: 'bearer' } });
        },
      },
    });
    gw = await startGmailGateway(platform.port, fake);
    expect((await linkAccount(gw, fake, account, { smtp: true })).status).toBe(200);
    ({ browser, tp } = await signInAsTenant(gw));
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
    await Promise.all([platform?.close(), server?.close(), fake?.close()]);
  });

  it('chooses the Google login, saves without a password and the test invoice goes out by XOAUTH2', async () => {
    const { page } = tp;
    const password = page.getByLabel('Password', { exact: true });
    expect(await password.isVisible()).toBe(true);
    await page.getByLabel('Login', { exact: true }).selectOption('oauth2-google');
    await page.getByText(`Linked with ${account.address}, with SMTP access.`).waitFor();
    expect(await password.isVisible()).toBe(false);
    await page.getByLabel('Server (host)').fill('127.0.0.1');
    await page.getByLabel('Port').fill(String(server.port));
    await page.getByLabel("Check the server's certificate").uncheck();
    await page.getByLabel('User name').fill(account.address);
    await page.getByRole('button', { name: 'Save server' }).click();
    await page.getByText('Saved.', { exact: true }).first().waitFor();
    const saved = await api(gw, 'GET', `/tenants/${gw.tenantId}/sender`);
    expect(saved.body.smtp).toMatchObject({ authentication: 'oauth2', oauthProvider: 'google', hasPassword: false });

    await page.getByLabel('Send the test invoice to').fill('check@acme.test');
    await page.getByRole('button', { name: 'Send test invoice', exact: true }).click();
    await page.getByText(/^It worked: sent$/).waitFor();
    expect(logins).toEqual([{ method: 'XOAUTH2', user: account.address, ok: true }]);
    expect(server.messages).toHaveLength(1);
    await screenshot(page, 'own-smtp-xoauth2-google');

    // After a reload the choice is the saved one.
    await page.reload();
    expect(await page.getByLabel('Login', { exact: true }).inputValue()).toBe('oauth2-google');
    expect(await page.getByLabel('Password', { exact: true }).isVisible()).toBe(false);
    expect(tp.problems).toEqual([]);
  });

  it('"Link Google account for SMTP" asks Google for SMTP access', async () => {
    const { page } = tp;
    await page.getByRole('button', { name: 'Link Google account for SMTP' }).click();
    await page.waitForURL((url) => url.toString().startsWith(fake.url));
    const scope = new URL(page.url()).searchParams.get('scope') ?? '';
    expect(scope.split(' ')).toContain('https://mail.google.com/');
  });
});
