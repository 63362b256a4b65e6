import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POLL, screenshot, signInAsTenant, type TestPage } from '../../helpers/browser.js';
import { startConfiguredGateway, testConfig, type TestGateway } from '../../helpers/gateway-harness.js';
import { ADMIN, api, legacyClient, PLATFORM, queueIdOf } from '../../helpers/sender-harness.js';
import { waitFor } from '../../helpers/wait-for.js';
import { LONG_INVOICE_CONTENT } from '../../helpers/long-invoice.js';

const PUBLIC_BASE = 'https://pixel.postbode.test';
const HUMAN_UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)';
const FIXTURE = new URL('../../fixtures/content/legacy-invoice-nl.eml', import.meta.url);

/**
 * The tenant reads the status of an invoice in the browser, over the real gateway in capture
 * mode (the dev mailbox is the receiving server, so a 250 there is "Delivered"): the pixel makes
 * it "Read", the filters find it, the source shows it as sent and as received, the CSV downloads,
 * and the bounce-alert settings save.
 */
describe('settings page: message status', () => {
  let gw: TestGateway;
  let browser: Browser;
  let base: string;
  let tp: TestPage;
  let offset = 0;

  beforeAll(async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'postbode-web-status-'));
    const cfg = testConfig(dataDir, 1, { platform: PLATFORM, delivery: { mode: 'capture' } });
    const config = { ...cfg, http: { ...cfg.http, publicBaseUrl: PUBLIC_BASE } };
    gw = await startConfiguredGateway(config, {
      tenant: { name: 'Bakkerij Jansen' },
      clock: () => Date.now() + offset,
      env: { POSTBODE_ADMIN_TOKEN: ADMIN, POSTBODE_SECRET_KEY: 'cd'.repeat(32) },
    });
    ({ browser, tp, base } = await signInAsTenant(gw));
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
  });

  it('shows "Delivered", then "Read" after the pixel; filters, source toggle, CSV and alert settings', async () => {
    const content = { enabled: true, openTracking: true, ...LONG_INVOICE_CONTENT };
    expect((await api(gw, 'PUT', `/tenants/${gw.tenantId}/content`, content)).status).toBe(200);
    const info = await legacyClient(gw).sendMail({
      envelope: { from: 'facturen@jansen.example', to: ['piet@klant.example'] },
      raw: await readFile(FIXTURE),
    });
    const id = queueIdOf(info.response);
    const rendered = await waitFor(async () => {
      const r = await api(gw, 'GET', `/messages/${id}/rendered`);
      return (r.body.sent as { base64: string } | undefined)?.base64;
    });
    const html = String((await simpleParser(Buffer.from(rendered, 'base64'))).html);
    const token = /\/t\/([A-Za-z0-9_-]+)\.gif/.exec(html)?.[1];
    expect(token).toBeDefined();

    const { page } = tp;
    await page.getByRole('link', { name: 'Sent mail' }).click();
    const item = page.locator(`li.message[data-id="${id}"]`);
    await item.waitFor();
    expect(await item.locator('.badge').textContent()).toBe('Delivered');
    expect(await item.locator('.recipients').textContent()).toBe('piet@klant.example: Delivered');

    offset += 60_000; // a person, a minute after delivery (not a scanner at once)
    expect((await fetch(`${base}/t/${token}.gif`, { headers: { 'user-agent': HUMAN_UA } })).status).toBe(200);
    await expect
      .poll(async () => {
        await page.getByRole('button', { name: 'Refresh' }).click();
        return page.locator(`li.message[data-id="${id}"] .badge`).textContent();
      }, POLL)
      .toBe('Read');
    const fresh = page.locator(`li.message[data-id="${id}"]`);
    await fresh.getByText('Delivery history').click();
    expect(await fresh.locator('ul.states').textContent()).toMatch(/Queued.*Delivered.*Read/);

    await page.getByLabel('Status').selectOption('read');
    await page.getByLabel('Document number', { exact: true }).fill('2024-0012');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.locator('li.message').count(), POLL).toBe(1);
    await page.getByLabel('Status').selectOption('bounced');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('No messages found.').waitFor();
    await page.getByLabel('Status').selectOption('');
    await page.getByRole('button', { name: 'Search' }).click();

    const shown = page.locator(`li.message[data-id="${id}"]`);
    await shown.getByText('Message source').click();
    await expect.poll(() => shown.locator('pre.source').textContent(), POLL).toContain('/t/');
    await shown.getByRole('button', { name: 'As received' }).click();
    await expect.poll(() => shown.locator('pre.source').textContent(), POLL).toContain('X-Mailer: Legacy Boekhouding');
    expect(await shown.locator('pre.source').textContent()).not.toContain('/t/');
    await screenshot(page, '07-message-status');

    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download CSV' }).click();
    const csv = await readFile((await (await download).path())!, 'utf8');
    expect(csv).toContain(`"${id}"`);
    expect(csv).toContain('"piet@klant.example","client","read"');

    await page.getByLabel('Alert me').selectOption('daily');
    await page.getByLabel('Also when still not delivered after (hours)').fill('');
    await page.getByRole('button', { name: 'Save alerts' }).click();
    await page.getByText('Alert settings saved.').waitFor();
    const saved = await api(gw, 'GET', `/tenants/${gw.tenantId}/bounce-alerts`);
    expect(saved.body).toEqual({ mode: 'daily', deferredAfterHours: null });

    // A bounce alert's link opens the log with that message first, even when newer mail came after it.
    const later = await legacyClient(gw).sendMail({
      from: 'facturen@jansen.example',
      to: 'jan@klant.example',
      subject: 'Factuur 2024-0013',
      text: 'Beste Jan,\n',
    });
    expect(queueIdOf(later.response)).not.toBe(id);
    await page.goto(`${base}/settings?message=${id}#/messages`);
    await expect.poll(() => page.locator('li.message').first().getAttribute('data-id'), POLL).toBe(id);
    expect(tp.problems).toEqual([]);
  });
});
