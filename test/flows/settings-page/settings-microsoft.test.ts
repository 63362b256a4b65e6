import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POLL, type TestPage } from '../../helpers/browser.js';
import { signInAsTenant } from '../../helpers/browser.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { startFakeMicrosoft, type FakeMailbox, type FakeMicrosoft } from '../../helpers/fake-microsoft.js';
import { startMicrosoftGateway } from '../../helpers/microsoft-harness.js';
import { api } from '../../helpers/sender-harness.js';
import { startSink, type Sink } from '../../helpers/sink.js';
import { waitFor } from '../../helpers/wait-for.js';

/**
 * The settings page's Microsoft 365 part in Chromium: "Link Microsoft 365" goes to the fake's
 * sign-in page, which sends the browser back to the callback; the page then shows the linked
 * mailbox, its send-as addresses and usage, offers the mode, sends a test, and unlinks.
 */
describe('settings page: Microsoft 365 link', () => {
  let sink: Sink;
  let fake: FakeMicrosoft;
  let gw: TestGateway;
  let browser: Browser;
  let base: string;
  let tp: TestPage;
  const mailbox: FakeMailbox = {
    id: '3c0ffee0-0000-4000-8000-000000000001',
    mail: 'owner@contoso.test',
    proxyAddresses: ['SMTP:owner@contoso.test', 'smtp:facturen@contoso.test'],
  };

  beforeAll(async () => {
    sink = await startSink();
    fake = await startFakeMicrosoft();
    gw = await startMicrosoftGateway(sink.port, fake);
    ({ browser, tp, base } = await signInAsTenant(gw));
    fake.consentAs(mailbox, base);
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
    await fake?.close();
    await sink?.close();
  });

  it('links through the sign-in page and shows the mailbox, its addresses and usage', async () => {
    const { page } = tp;
    const section = page.getByRole('region', { name: 'Microsoft 365 link' });
    await section.getByText('Not linked.').waitFor();
    expect(await page.getByLabel('Own mailbox (Microsoft 365)').isEnabled()).toBe(true);
    await section.getByRole('button', { name: 'Link Microsoft 365' }).click();
    await page.waitForURL(/\/oauth\/microsoft\/callback\?/);
    expect(await page.textContent('body')).toContain('owner@contoso.test is linked');
    expect(fake.complaints).toEqual([]);
    await page.goto(`${base}/settings#/sending`);
    const linked = page.getByRole('region', { name: 'Microsoft 365 link' });
    await linked.getByText('Linked with owner@contoso.test.').waitFor(POLL);
    expect(await linked.getByText('May send as: owner@contoso.test, facturen@contoso.test.').count()).toBe(1);
    expect(await linked.getByText('Recipients today: 0 of 10000.').count()).toBe(1);
  });

  it('chooses the mode and sends a test through the mailbox', async () => {
    const { page } = tp;
    await page.getByLabel('Own mailbox (Microsoft 365)').check();
    await page.getByRole('form', { name: 'Sending mode' }).getByRole('button', { name: 'Save' }).click();
    // Polls the API: a "saved" anywhere on the page (a hint of another section) is no sign of this save.
    await waitFor(
      async () =>
        (await api(gw, 'GET', `/tenants/${gw.tenantId}/sender`)).body.mode === 'microsoft365' ? true : undefined,
      10_000,
      'the Microsoft 365 mode saved',
      250,
    );
    const section = page.getByRole('region', { name: 'Microsoft 365 link' });
    await section.getByLabel('Send the test to').fill('test@klant.example');
    await section.getByRole('button', { name: 'Send test' }).click();
    await section.getByText(/^Sent: sent from owner@contoso\.test to test@klant\.example/).waitFor(POLL);
    expect(fake.sent.at(-1)?.raw.toString()).toContain('To: <test@klant.example>');
  });

  it('unlinks', async () => {
    const { page } = tp;
    const section = page.getByRole('region', { name: 'Microsoft 365 link' });
    await section.getByRole('button', { name: 'Remove link' }).click();
    await page.getByRole('region', { name: 'Microsoft 365 link' }).getByText('Not linked.').waitFor(POLL);
    expect((await api(gw, 'GET', `/tenants/${gw.tenantId}/microsoft365`)).body).toMatchObject({ status: 'unlinked' });
    expect(tp.problems).toEqual([]);
  });
});
