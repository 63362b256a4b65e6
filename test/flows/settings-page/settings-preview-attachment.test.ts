import { readFile } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POLL, screenshot, signInAsTenant, type TestPage } from '../../helpers/browser.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { api, startSenderGateway } from '../../helpers/sender-harness.js';
import { startSink, type Sink } from '../../helpers/sink.js';
import { facturXPdf, minimalCii } from '../../helpers/pdf-fixtures.js';

/** The content screen's sample attachment: read by the API like mail, its facts and failed rules shown. */
const UBL = new URL('../../fixtures/einvoice/ubl-invoice-be-structured.xml', import.meta.url);

describe('settings page: a sample attachment in the preview', () => {
  let sink: Sink;
  let gw: TestGateway;
  let browser: Browser;
  let tp: TestPage;
  const content = () => `/tenants/${gw.tenantId}/content`;

  beforeAll(async () => {
    sink = await startSink();
    gw = await startSenderGateway(sink.port);
    const put = await api(gw, 'PUT', content(), {
      enabled: true,
      subjects: { invoice: { nl: 'Factuur %document-number% van %amount%, vóór %due-date%' } },
    });
    expect(put.status).toBe(200);
    ({ browser, tp } = await signInAsTenant(gw));
    await tp.page.getByRole('link', { name: 'Content', exact: true }).click();
    await tp.page.getByRole('heading', { level: 1, name: 'Content' }).waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
    await sink?.close();
  });

  it('a UBL invoice: the facts found and the subject rendered with them', async () => {
    const { page } = tp;
    await page.getByLabel(/^Sample attachment/).setInputFiles({
      name: 'F2026-0042.xml',
      mimeType: 'application/xml',
      buffer: await readFile(UBL),
    });
    await expect
      .poll(() => page.locator('#sample-subject').textContent(), POLL)
      .toBe('Factuur F2026-0042 van € 1.289,26, vóór 30 april 2026');
    const facts = await page.getByRole('definition').allTextContents();
    expect(facts).toEqual(expect.arrayContaining(['Bakkerij De Smet NV (XML)', '+++090/2600/04207+++ (XML)']));
    expect(await page.locator('#sample-validation').textContent()).toBe('No rule failed.');
    await screenshot(page, 'content-sample-attachment');
  });

  it('an invalid Factur-X PDF: the failed rules in plain words', async () => {
    const { page } = tp;
    await page.getByLabel(/^Sample attachment/).setInputFiles({
      name: 'fx.pdf',
      mimeType: 'application/pdf',
      buffer: await facturXPdf(minimalCii({ number: 'FX-1' })),
    });
    await expect.poll(() => page.locator('#sample-subject').textContent(), POLL).toContain('Factuur FX-1 van');
    expect(await page.locator('#sample-validation').textContent()).toContain('The document has no lines (BG-25).');
  });

  it('the choice for a missing value and the invalid e-invoice hold are saved with the settings', async () => {
    const { page } = tp;
    await page.getByLabel('When a variable has no value').selectOption('hold');
    await page.getByLabel(/^Hold e-invoices that fail validation/).check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved.').waitFor();
    expect((await api(gw, 'GET', content())).body.settings).toMatchObject({
      missingVariables: 'hold',
      holdInvalidEInvoices: true,
    });
    expect(tp.problems).toEqual([]);
  });
});
