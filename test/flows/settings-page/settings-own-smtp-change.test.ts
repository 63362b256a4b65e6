import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openPage, POLL, screenshot, signIn } from '../../helpers/browser.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { api, startSenderGateway } from '../../helpers/sender-harness.js';
import { startSink, type Sink } from '../../helpers/sink.js';

const WORDS = {
  en: {
    mode: 'Own mailbox (SMTP)',
    password: 'Password',
    save: 'Save server',
    test: 'Send test invoice',
    testTo: 'Send the test invoice to',
    needsTest: /^Needs a test:/,
    ok: /^It worked: sent$/,
  },
  nl: {
    mode: 'Eigen mailbox (SMTP)',
    password: 'Wachtwoord',
    save: 'Server opslaan',
    test: 'Testfactuur versturen',
    testTo: 'Testfactuur versturen naar',
    needsTest: /^Test nodig:/,
    ok: /^Gelukt: sent$/,
  },
} as const;

/**
 * The tenant changed its mailbox password at its provider and enters the new one on the page,
 * in English and in Dutch: the mode stays own SMTP, the page says a test is needed, and a
 * passing test invoice clears that. Real Chromium, gateway and SMTP server.
 */
describe('settings page: new own-SMTP password without leaving the mode', () => {
  let platform: Sink;
  let tenantServer: Sink;
  let gw: TestGateway;
  let browser: Browser;
  let base: string;
  let token: string;
  const creds = { user: 'acme', pass: 'first' };
  const sender = (): string => `/tenants/${gw.tenantId}/sender`;

  beforeAll(async () => {
    platform = await startSink();
    tenantServer = await startSink({ auth: creds });
    gw = await startSenderGateway(platform.port);
    base = `http://127.0.0.1:${gw.gateway.httpPort}`;
    token = String((await api(gw, 'POST', `/tenants/${gw.tenantId}/tokens`, {})).body.token);
    const smtp = {
      host: '127.0.0.1',
      port: tenantServer.port,
      tls: 'opportunistic',
      allowPlaintextAuth: true,
      user: 'acme',
      password: 'first',
    };
    expect((await api(gw, 'PUT', sender(), { smtp, ownAddress: 'billing@acme.test' })).status).toBe(200);
    expect((await api(gw, 'POST', `${sender()}/test-send`, { to: 'check@acme.test' })).body.ok).toBe(true);
    expect((await api(gw, 'PUT', sender(), { mode: 'own-smtp' })).status).toBe(200);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
    await Promise.all([platform?.close(), tenantServer?.close()]);
  });

  for (const lang of ['en', 'nl'] as const) {
    it(
      `${lang}: saves the new password, keeps the mode, ` + 'shows "needs a test" until a test invoice passes',
      async () => {
        const w = WORDS[lang];
        const tp = await openPage(browser, { locale: lang === 'nl' ? 'nl-NL' : 'en-US' });
        const { page } = tp;
        await signIn(page, base, token);
        await page.getByRole('heading', { level: 1 }).waitFor();
        expect(await page.getByLabel(w.mode).isChecked()).toBe(true);
        expect(await page.getByText(w.needsTest).isVisible()).toBe(false);

        creds.pass = `changed-${lang}`;
        await page.getByLabel(w.password, { exact: true }).fill(creds.pass);
        await page.getByRole('button', { name: w.save }).click();
        await page.getByText(w.needsTest).waitFor();
        expect(await page.getByLabel(w.mode).isChecked()).toBe(true);
        expect((await api(gw, 'GET', sender())).body).toMatchObject({ mode: 'own-smtp', needsTest: true });
        await screenshot(page, `own-smtp-needs-test-${lang}`);

        // after a reload the page still says so: it is the state in force
        await page.reload();
        await page.getByText(w.needsTest).waitFor();
        await page.getByLabel(w.testTo).fill('check@acme.test');
        await page.getByRole('button', { name: w.test, exact: true }).click();
        await page.getByText(w.ok).waitFor();
        await expect.poll(() => page.getByText(w.needsTest).isVisible(), POLL).toBe(false);
        expect((await api(gw, 'GET', sender())).body.needsTest).toBeUndefined();
        expect(tp.problems).toEqual([]);
        await tp.context.close();
      },
    );
  }
});
