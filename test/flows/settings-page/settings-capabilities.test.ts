import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openPage, signIn } from '../../helpers/browser.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { startGuardGateway, type GuardGateway } from '../../helpers/guard-harness.js';
import { api, startSenderGateway } from '../../helpers/sender-harness.js';
import { startSink, type Sink } from '../../helpers/sink.js';

/**
 * A gateway without a Google OAuth client: the Sending screen offers no Gmail link and says
 * why, in the user's language, instead of a button that can only answer "Not possible".
 */
describe('settings page on a gateway without Google', () => {
  let sink: Sink;
  let gw: TestGateway;
  /** Tenant b was put in Gmail mode before start: a server whose Google client was removed since. */
  let stale: GuardGateway;
  let browser: Browser;
  let base: string;
  let token: string;

  beforeAll(async () => {
    sink = await startSink();
    [gw, stale] = await Promise.all([
      startSenderGateway(sink.port),
      startGuardGateway(sink.port, { platform: false, settings: { b: { mode: 'gmail' } } }),
    ]);
    base = `http://127.0.0.1:${gw.gateway.httpPort}`;
    token = String((await api(gw, 'POST', `/tenants/${gw.tenantId}/tokens`, {})).body.token);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all([gw?.stop(), stale?.stop()]);
    await sink?.close();
  });

  const cases = [
    {
      locale: 'en-US',
      sending: 'Sending',
      gmail: 'Own mailbox (Gmail)',
      region: 'Gmail link',
      link: 'Link Gmail',
      why: 'Not available on this server: the administrator has not set up a connection with Google.',
      inUse:
        'Not available on this server (no connection with Google): your mail now leaves in forwarding mode. ' +
        'Choose another mode.',
    },
    {
      locale: 'nl-NL',
      sending: 'Verzenden',
      gmail: 'Eigen mailbox (Gmail)',
      region: 'Gmail-koppeling',
      link: 'Gmail koppelen',
      why: 'Niet beschikbaar op deze server: de beheerder heeft geen koppeling met Google ingesteld.',
      inUse:
        'Niet beschikbaar op deze server (geen koppeling met Google): uw e-mail gaat nu via het doorstuuradres. ' +
        'Kies een andere manier.',
    },
  ];
  for (const c of cases) {
    it(`${c.locale}: no Gmail link section or button, the Gmail mode disabled with the reason`, async () => {
      const { page, context, problems } = await openPage(browser, { locale: c.locale });
      await signIn(page, base, token);
      await page.getByRole('heading', { level: 1, name: c.sending }).waitFor();
      expect(await page.getByRole('region', { name: c.region }).count()).toBe(0);
      expect(await page.getByRole('button', { name: c.link }).count()).toBe(0);
      const radio = page.getByLabel(c.gmail);
      expect(await radio.isDisabled()).toBe(true);
      const hintId = await radio.getAttribute('aria-describedby');
      expect(await page.locator(`[id="${hintId}"]`).textContent()).toBe(c.why);
      // The other modes stay on offer.
      expect(await page.locator('input[name=mode]:not([disabled])').count()).toBe(3);
      expect(problems).toEqual([]);
      await context.close();
    });

    it(`${c.locale}: a tenant still in Gmail mode is told its mail leaves in forwarding mode`, async () => {
      const { page, context, problems } = await openPage(browser, { locale: c.locale });
      const token = String(
        (await api({ gateway: stale.gateway } as TestGateway, 'POST', `/tenants/${stale.b.id}/tokens`, {})).body.token,
      );
      await signIn(page, `http://127.0.0.1:${stale.gateway.httpPort}`, token);
      await page.getByRole('heading', { level: 1, name: c.sending }).waitFor();
      const radio = page.getByLabel(c.gmail);
      expect(await radio.isChecked()).toBe(true);
      expect(await radio.isDisabled()).toBe(true);
      expect(await page.locator(`[id="${await radio.getAttribute('aria-describedby')}"]`).textContent()).toBe(c.inUse);
      expect(await page.getByRole('button', { name: c.link }).count()).toBe(0);
      expect(problems).toEqual([]);
      await context.close();
    });
  }
});
