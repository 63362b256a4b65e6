import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openPage, POLL, screenshot, signIn } from '../../helpers/browser.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { api, startSenderGateway } from '../../helpers/sender-harness.js';
import { startSink, type Sink } from '../../helpers/sink.js';

const WORDS = {
  en: {
    nav: 'Content',
    tracking: /^Open tracking/,
    none: 'No layout (plain text only)',
    standard: 'Default layout',
    save: 'Save',
    saved: 'Saved.',
    inactive: /^Not in force: with "No layout/,
    trackShort: 'Also track short e-mails',
  },
  nl: {
    nav: 'Inhoud',
    tracking: /^Leesbevestiging/,
    none: 'Geen opmaak (alleen platte tekst)',
    standard: 'Standaardopmaak',
    save: 'Opslaan',
    saved: 'Opgeslagen.',
    inactive: /^Niet actief: met "Geen opmaak/,
    trackShort: 'Ook korte e-mails volgen',
  },
} as const;

/**
 * Open tracking with layout "none" adds no pixel: the content screen, in English and Dutch,
 * says so in its own words beside the switch, after saving and after a reload, and the note
 * goes away with a layout that has HTML. Real Chromium and gateway.
 */
describe('settings page: open tracking with layout "none"', () => {
  let platform: Sink;
  let gw: TestGateway;
  let browser: Browser;
  let base: string;
  let token: string;
  const content = (): string => `/tenants/${gw.tenantId}/content`;

  beforeAll(async () => {
    platform = await startSink();
    gw = await startSenderGateway(platform.port);
    base = `http://127.0.0.1:${gw.gateway.httpPort}`;
    token = String((await api(gw, 'POST', `/tenants/${gw.tenantId}/tokens`, {})).body.token);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
    await platform?.close();
  });

  for (const lang of ['en', 'nl'] as const) {
    it(`${lang}: saving tracking with no layout shows "not in force"; another layout clears it`, async () => {
      const w = WORDS[lang];
      expect(
        (
          await api(gw, 'PUT', content(), {
            enabled: true,
            layout: 'default',
            openTracking: false,
            trackShortMessages: false,
          })
        ).status,
      ).toBe(200);
      const tp = await openPage(browser, { locale: lang === 'nl' ? 'nl-NL' : 'en-US' });
      const { page } = tp;
      await signIn(page, base, token);
      await page.getByRole('link', { name: w.nav, exact: true }).click();
      await page.getByRole('heading', { level: 1, name: w.nav }).waitFor();
      expect(await page.locator('#content-tracking-inactive').isVisible()).toBe(false);

      await page.getByLabel(w.none).check();
      await page.getByLabel(w.tracking).check();
      await page.getByRole('button', { name: w.save, exact: true }).click();
      await page.getByText(w.saved).waitFor();
      await expect.poll(() => page.locator('#content-tracking-inactive').textContent(), POLL).toMatch(w.inactive);
      expect(await page.locator('#content-tracking-inactive').isVisible()).toBe(true);
      expect((await api(gw, 'GET', content())).body).toMatchObject({
        openTrackingInForce: false,
        settings: { openTracking: true, layout: 'none' },
      });
      await screenshot(page, `tracking-layout-none-${lang}`);

      await page.reload();
      await page.locator('#content-tracking-inactive').waitFor();
      expect(await page.locator('#content-tracking-inactive').textContent()).toMatch(w.inactive);

      await page.getByLabel(w.standard).check();
      await page.getByRole('button', { name: w.save, exact: true }).click();
      await expect.poll(() => page.locator('#content-tracking-inactive').isVisible(), POLL).toBe(false);
      expect((await api(gw, 'GET', content())).body.openTrackingInForce).toBe(true);
      // Short mail is tracked too only when asked: the choice is saved with the rest.
      expect(await page.getByLabel(w.trackShort).isChecked()).toBe(false);
      await page.getByLabel(w.trackShort).check();
      await page.getByRole('button', { name: w.save, exact: true }).click();
      await expect
        .poll(
          async () =>
            ((await api(gw, 'GET', content())).body.settings as { trackShortMessages?: boolean }).trackShortMessages,
          POLL,
        )
        .toBe(true);
      expect(tp.problems).toEqual([]);
      await tp.context.close();
    });
  }
});
