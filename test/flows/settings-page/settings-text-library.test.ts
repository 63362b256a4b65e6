import { simpleParser } from 'mailparser';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POLL, signInAsTenant, type TestPage } from '../../helpers/browser.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { api, arrived, legacyClient, queueIdOf, startSenderGateway } from '../../helpers/sender-harness.js';
import { startSink, type Sink } from '../../helpers/sink.js';

/**
 * The text library on the content screen, in Chromium: add the starter texts, write a text of one's own,
 * choose it for invoices, and see the next invoice sent over SMTP carry it; a default text is not removed.
 */
describe('settings page: text library', () => {
  let sink: Sink;
  let gw: TestGateway;
  let browser: Browser;
  let tp: TestPage;
  const library = () => tp.page.getByRole('region', { name: 'Text library' });

  beforeAll(async () => {
    sink = await startSink();
    gw = await startSenderGateway(sink.port);
    const on = await api(gw, 'PUT', `/tenants/${gw.tenantId}/content`, { enabled: true, companyName: 'Acme' });
    expect(on.status).toBe(200);
    ({ browser, tp } = await signInAsTenant(gw));
    await tp.page.getByRole('link', { name: 'Content', exact: true }).click();
    await tp.page.getByRole('heading', { level: 1, name: 'Content' }).waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
    await sink?.close();
  });

  it('adds the starter texts, one of its own, chooses it for invoices, and the next invoice uses it', async () => {
    const { page } = tp;
    await library().getByText('Your library is empty.').waitFor();
    await library().getByRole('button', { name: 'Add starter texts' }).click();
    await library().getByRole('button', { name: 'Edit reminder-2' }).waitFor();
    await expect.poll(() => page.getByLabel('Text for Invoices').inputValue(), POLL).toBe('invoice');

    await page.locator('#library-name').fill('eigen-factuur');
    await page.locator('#library-type').selectOption('invoice');
    await page
      .locator('#library-text')
      .fill('Beste %client-name%,\n\nEIGEN-TEKST-ACME voor factuur %document-number%.\n\nGroeten,\n%company-name%');
    await page.getByRole('button', { name: 'Store in the library' }).click();
    await library().getByRole('button', { name: 'Edit eigen-factuur' }).waitFor();

    await page.getByLabel('Text for Invoices').selectOption('eigen-factuur');
    await expect
      .poll(
        async () =>
          ((await api(gw, 'GET', `/tenants/${gw.tenantId}/texts`)).body.defaults as { invoice?: string }).invoice,
        POLL,
      )
      .toBe('eigen-factuur');
    await expect.poll(() => page.getByLabel('Text for Invoices').inputValue(), POLL).toBe('eigen-factuur');

    const info = await legacyClient(gw).sendMail({
      from: 'facturen@acme.example',
      to: 'klant@example.com',
      subject: 'Factuur 2024-0201',
      text: 'Beste klant,\n\nIn bijlage uw factuur.\n',
    });
    const [got] = await arrived(sink, queueIdOf(info.response));
    expect((await simpleParser(got!.raw)).text).toContain('EIGEN-TEKST-ACME voor factuur 2024-0201');
  });

  it('refuses to remove the text a document type uses, and says why', async () => {
    await library().getByRole('button', { name: 'Remove eigen-factuur' }).click();
    await expect.poll(() => library().getByRole('status').last().textContent(), POLL).toContain('default for invoice');
    const still = await api(gw, 'GET', `/tenants/${gw.tenantId}/texts/eigen-factuur`);
    expect(still.status).toBe(200);
  });
});
