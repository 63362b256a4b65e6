import { createServer } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openPage, POLL, screenshot, signIn, type TestPage } from '../../helpers/browser.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { api, startSenderGateway } from '../../helpers/sender-harness.js';
import { waitFor } from '../../helpers/wait-for.js';
import { startSink, type Sink } from '../../helpers/sink.js';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}

/**
 * The settings page in real Chromium, as a tenant uses it: sign in with a tenant token, the
 * own SMTP server with its test invoice, switching the sending mode, accountant and backup.
 */
describe('settings page: sign-in and sending mode', () => {
  let platform: Sink;
  let tenantServer: Sink;
  let gw: TestGateway;
  let browser: Browser;
  let base: string;
  let token: string;
  let tp: TestPage;

  beforeAll(async () => {
    platform = await startSink();
    tenantServer = await startSink({ auth: { user: 'acme', pass: 'right-password' } });
    gw = await startSenderGateway(platform.port, { delivery: { connectTimeoutMs: 400, sendTimeoutMs: 1500 } });
    base = `http://127.0.0.1:${gw.gateway.httpPort}`;
    token = String((await api(gw, 'POST', `/tenants/${gw.tenantId}/tokens`, {})).body.token);
    browser = await launchBrowser();
    tp = await openPage(browser);
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
    await Promise.all([platform?.close(), tenantServer?.close()]);
  });

  it('serves the shell with the strict CSP; a wrong token gets a clear message and is not kept', async () => {
    const res = await fetch(`${base}/settings`);
    expect(res.headers.get('content-security-policy')).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    expect((await fetch(`${base}/settings/assets/..%2Fweb-router.ts`)).status).toBe(404);

    const { page } = tp;
    await signIn(page, base, `${token.slice(0, -2)}xx`);
    await expect.poll(() => page.getByRole('status').first().textContent(), POLL).toContain('This token is not valid');
    expect(await page.evaluate<number>('sessionStorage.length')).toBe(0);
    expect(page.url()).toBe(`${base}/settings`);
    await screenshot(page, '01-sign-in');
  });

  it('signs in with the tenant token and shows the four modes with what each needs', async () => {
    const { page } = tp;
    await page.getByLabel('API token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sending' }).waitFor();
    for (const mode of ['Forwarding address', 'Own e-mail address', 'Own mailbox (SMTP)'])
      expect(await page.getByLabel(mode).isEnabled()).toBe(true);
    // this server has no Google OAuth client: no Gmail link to click, the mode says why (settings-capabilities.test.ts)
    expect(await page.getByRole('region', { name: 'Gmail link' }).count()).toBe(0);
    expect(await page.getByLabel('Own mailbox (Gmail)').isDisabled()).toBe(true);
    expect(await page.getByLabel('Forwarding address').isChecked()).toBe(true);
    expect(await page.getByText('Needs DNS records for your domain').count()).toBe(1);
    expect(await page.getByRole('link', { name: 'All tenants' }).count()).toBe(0);
  });

  it(
    'saves the own SMTP server, shows each test invoice outcome in words, then switches mode and keeps it ' +
      'after a reload',
    async () => {
      const { page } = tp;
      await page.getByLabel('Server (host)').fill('127.0.0.1');
      await page.getByLabel('Port').fill(String(await closedPort()));
      await page.getByLabel('Encryption').selectOption('opportunistic');
      await page.getByLabel("Check the server's certificate").uncheck();
      // this test server offers no STARTTLS: without the tenant's consent the password is not sent
      await page.getByLabel(/^Also log in when the server offers no TLS/).check();
      await page.getByLabel('User name').fill('acme');
      await page.getByLabel('Password', { exact: true }).fill('right-password');
      await page.getByRole('button', { name: 'Save server' }).click();
      await page.getByText('Saved.').waitFor();
      await page.getByLabel('Send the test invoice to').fill('check@acme.test');
      await page.getByRole('button', { name: 'Send test invoice' }).click();
      await page.getByText(/^It did not work: connection refused/).waitFor();

      // switching before a good test is refused, and the page says why
      await page.getByLabel('Own mailbox (SMTP)').check();
      await page.getByRole('button', { name: 'Save', exact: true }).first().click();
      await page.getByText(/needs a successful test invoice/).waitFor();

      await page.getByLabel('Port').fill(String(tenantServer.port));
      await page.getByRole('button', { name: 'Save server' }).click();
      await expect
        .poll(async () => (await api(gw, 'GET', `/tenants/${gw.tenantId}/sender`)).body.smtp, POLL)
        .toMatchObject({ port: tenantServer.port, hasPassword: true });
      await page.getByRole('button', { name: 'Send test invoice' }).click();
      await page.getByText(/^It worked: sent$/).waitFor();
      await waitFor(() => tenantServer.messages.find((m) => m.envelope.to.includes('check@acme.test')));
      // the password field is emptied after saving and the saved one is never put back in the page
      expect(await page.getByLabel('Password', { exact: true }).inputValue()).toBe('');
      expect(await page.content()).not.toContain('right-password');
      await screenshot(page, '02-sending');

      await page.getByRole('button', { name: 'Save', exact: true }).first().click();
      await page.getByText('Saved.').first().waitFor();
      expect((await api(gw, 'GET', `/tenants/${gw.tenantId}/sender`)).body.mode).toBe('own-smtp');
      await page.reload();
      await page.getByRole('heading', { level: 1, name: 'Sending' }).waitFor();
      expect(await page.getByLabel('Own mailbox (SMTP)').isChecked()).toBe(true);
      expect(await page.getByText(/^Last test .*: sent$/).count()).toBe(1);
    },
  );

  it('saves the display name, reply address, accountant (automatic) and backup address', async () => {
    const { page } = tp;
    await page.getByLabel('Forwarding address').check();
    await page.getByLabel('Display name').fill('Jansen Installatietechniek');
    await page.getByLabel('Send replies to').fill('administratie@jansen.example');
    await page.getByRole('button', { name: 'Save', exact: true }).first().click();
    await page.getByText('Saved.').first().waitFor();
    // a new reply address waits for its owner to confirm the link mailed to it
    await page.getByText(/^Awaiting confirmation: replies are kept/).waitFor();
    expect(await page.getByRole('button', { name: 'Send the confirmation link again' }).count()).toBe(1);
    await page.getByLabel("Accountant's address").fill('boekhouder@kantoor.example');
    await page.getByLabel('Automatically, every invoice and credit note').check();
    await page.getByLabel('Backup address').fill('archief@jansen.example');
    await page.getByRole('button', { name: 'Save', exact: true }).last().click();
    await expect
      .poll(async () => (await api(gw, 'GET', `/tenants/${gw.tenantId}/sender`)).body, POLL)
      .toMatchObject({
        mode: 'forwarding',
        displayName: 'Jansen Installatietechniek',
        replyTo: 'administratie@jansen.example',
        accountantAddress: 'boekhouder@kantoor.example',
        accountantMode: 'automatic',
        archiveAddress: 'archief@jansen.example',
      });
    // a malformed address is stopped by the form itself (an e-mail field); nothing is sent
    await page.getByLabel('Backup address').fill('not an address');
    await page.getByRole('button', { name: 'Save', exact: true }).last().click();
    expect(await page.evaluate<boolean>("document.getElementById('archiveAddress').validity.valid")).toBe(false);
    expect((await api(gw, 'GET', `/tenants/${gw.tenantId}/sender`)).body.archiveAddress).toBe('archief@jansen.example');
  });

  it('signs out: the token is gone from the tab and the sign-in form is back', async () => {
    const { page } = tp;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API token').waitFor();
    expect(await page.evaluate<number>('sessionStorage.length')).toBe(0);
    await page.reload();
    await page.getByLabel('API token').waitFor();
    expect(tp.problems).toEqual([]);
  });
});
