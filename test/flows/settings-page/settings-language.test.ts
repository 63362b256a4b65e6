import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openPage, POLL, screenshot, signIn, type TestPage } from '../../helpers/browser.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { api, startSenderGateway } from '../../helpers/sender-harness.js';
import { startSink, type Sink } from '../../helpers/sink.js';

/**
 * The page asks the API for its texts in the page's language: a Dutch browser gets Dutch spam
 * advice and Dutch refusals, an English one English, for the same input.
 */
describe("settings page: the API speaks the page's language", () => {
  let sink: Sink;
  let gw: TestGateway;
  let browser: Browser;
  let base: string;
  let token: string;

  const PAGES = {
    nl: {
      sending: 'Verzenden',
      content: 'Inhoud',
      subject: 'Onderwerp',
      type: 'Documentsoort',
      save: 'Opslaan',
      advice: 'Spamadvies voor het voorbeeld',
    },
    en: {
      sending: 'Sending',
      content: 'Content',
      subject: 'Subject',
      type: 'Document type',
      save: 'Save',
      advice: 'Spam advice for the preview',
    },
  } as const;

  /** `locale`: the browser's; the page follows it unless the user picks `lang` in the page's own menu. */
  async function contentPage(lang: keyof typeof PAGES, locale: string): Promise<TestPage> {
    const words = PAGES[lang];
    const tp = await openPage(browser, { locale });
    await signIn(tp.page, base, token);
    await tp.page.locator('#lang').selectOption(lang);
    await tp.page.getByRole('heading', { level: 1, name: words.sending }).waitFor();
    await tp.page.getByRole('link', { name: words.content, exact: true }).click();
    await tp.page.getByRole('heading', { level: 1, name: words.content }).waitFor();
    return tp;
  }

  beforeAll(async () => {
    sink = await startSink();
    gw = await startSenderGateway(sink.port);
    base = `http://127.0.0.1:${gw.gateway.httpPort}`;
    token = String((await api(gw, 'POST', `/tenants/${gw.tenantId}/tokens`, {})).body.token);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
    await sink?.close();
  });

  const NL = {
    advice: /WOORDEN IN HOOFDLETTERS.*uitroeptekens achter elkaar/s,
    refusal: /^Controleer: subjects\.reminder\.nl: onbekende variabele %factuurnummer% \(op positie \d+\)$/,
  } as const;
  // The crossed cases: the page's language, chosen in its menu, wins over the browser's.
  const cases = [
    { lang: 'nl', locale: 'nl-NL', ...NL },
    { lang: 'nl', locale: 'en-GB', ...NL },
    {
      lang: 'en',
      locale: 'nl-NL',
      advice: /WORDS IN CAPITALS.*exclamation marks in a row/s,
      refusal: /^Please check: subjects\.reminder\.nl: unknown variable %factuurnummer% \(at \d+\)$/,
    },
  ] as const;

  it.each(cases)(
    "$lang page in a $locale browser: spam advice and a validation error in the page's language",
    async ({ lang, locale, advice, refusal }) => {
      const words = PAGES[lang];
      const tp = await contentPage(lang, locale);
      const { page } = tp;
      await page.getByLabel(words.type).selectOption('reminder');
      await page.getByLabel(words.subject, { exact: true }).fill('BETAAL NU!!! %document-number%');
      await expect.poll(() => page.getByRole('list', { name: words.advice }).textContent(), POLL).toMatch(advice);
      await page.getByLabel(words.subject, { exact: true }).fill('Herinnering %factuurnummer%');
      await page.getByRole('button', { name: words.save, exact: true }).click();
      await page.getByText(refusal).waitFor();
      expect((await api(gw, 'GET', `/tenants/${gw.tenantId}/content`)).body.settings).not.toHaveProperty(
        'subjects.reminder',
      );
      await screenshot(page, `18-language-${lang}-${locale}`);
      expect(tp.problems).toEqual([]);
      await tp.context.close();
    },
  );
});
