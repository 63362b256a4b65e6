import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInAsTenant, type TestPage } from '../../helpers/browser.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { api, startSenderGateway } from '../../helpers/sender-harness.js';
import { startSink, type Sink } from '../../helpers/sink.js';
import { waitFor } from '../../helpers/wait-for.js';

const TOKEN = 'ap-token-from-the-browser-0123456789';

describe('settings page: Peppol delivery', () => {
  let sink: Sink;
  let gw: TestGateway;
  let browser: Browser;
  let tp: TestPage;

  beforeAll(async () => {
    sink = await startSink();
    gw = await startSenderGateway(sink.port);
    ({ browser, tp } = await signInAsTenant(gw));
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
    await sink?.close();
  });

  it('saves the access point with its token and a customer Peppol id; the token never comes back', async () => {
    const { page } = tp;
    const section = page.getByRole('region', { name: 'Peppol delivery' });
    await section.getByLabel('Send e-invoices over Peppol').check();
    await section.getByLabel('Access point API address').fill('https://ap.example.com/api');
    await section.getByLabel('Access point token').fill(TOKEN);
    await section.getByLabel('E-mail and Peppol').selectOption('instead');
    await section.getByRole('button', { name: 'Save Peppol settings' }).click();
    await waitFor(async () => (await api(gw, 'GET', `/tenants/${gw.tenantId}/peppol`)).body.enabled === true);
    await page.getByRole('region', { name: 'Peppol delivery' }).getByPlaceholder('kept (type to replace)').waitFor();

    const again = page.getByRole('region', { name: 'Peppol delivery' });
    await again.getByLabel('Customer e-mail address').fill('klant@customer.test');
    await again.getByLabel('Peppol id (scheme:number)').fill('0208:12345');
    await again.getByRole('button', { name: 'Add', exact: true }).click();
    await again.getByText('a Belgian enterprise number has ten digits').waitFor();
    await again.getByLabel('Peppol id (scheme:number)').fill('0208:0987654321');
    await again.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByRole('region', { name: 'Peppol delivery' }).getByText('0208:0987654321').waitFor();

    const saved = await api(gw, 'GET', `/tenants/${gw.tenantId}/peppol`);
    expect(saved.body).toEqual({
      enabled: true,
      accessPointUrl: 'https://ap.example.com/api',
      hasToken: true,
      mode: 'instead',
      senderId: null,
      recipients: [{ address: 'klant@customer.test', participantId: '0208:0987654321' }],
    });
    expect(await page.content()).not.toContain(TOKEN);
    expect(tp.problems).toEqual([]);
  });
});
