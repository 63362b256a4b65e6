import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { createTransport } from 'nodemailer';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POLL, screenshot, signInAsTenant, type TestPage } from '../../helpers/browser.js';
import { startConfiguredGateway, testConfig, type TestGateway } from '../../helpers/gateway-harness.js';
import { ADMIN, api, arrived, legacyClient, PLATFORM, queueIdOf } from '../../helpers/sender-harness.js';
import { waitFor } from '../../helpers/wait-for.js';
import { sinkReply, startSink, type Sink } from '../../helpers/sink.js';
import { LONG_INVOICE_CONTENT } from '../../helpers/long-invoice.js';

const PUBLIC_BASE = 'https://pixel.postbode.test';
const HUMAN_UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)';
const FIXTURE = new URL('../../fixtures/content/legacy-invoice-nl.eml', import.meta.url);

/**
 * Sent mail and the SMTP login in the browser: per-recipient status from the real gateway
 * (a pixel fetch flips "Sent" to "Read"), search, retry, send to accountant, password rotation.
 */
describe('settings page: sent mail and SMTP login', () => {
  let sink: Sink;
  let gw: TestGateway;
  let browser: Browser;
  let base: string;
  let tp: TestPage;
  let offset = 0;

  beforeAll(async () => {
    // the sink defers one client address until told otherwise (a greylisting server)
    sink = await startSink({
      onRcpt: (address) => {
        if (address === 'later@klant.example' && !sink.commands.includes('accept-later'))
          throw sinkReply(451, '4.7.1 Greylisted, try again later');
      },
    });
    const dataDir = await mkdtemp(join(tmpdir(), 'postbode-web-msg-'));
    const cfg = testConfig(dataDir, sink.port, {
      platform: PLATFORM,
      queue: { retry: { initialDelayMs: 600_000, maxDelayMs: 600_000, maxAgeMs: 3_600_000, jitter: 0 } },
    });
    const config = { ...cfg, http: { ...cfg.http, publicBaseUrl: PUBLIC_BASE } };
    gw = await startConfiguredGateway(config, {
      tenant: { name: 'Bakkerij Jansen' },
      clock: () => Date.now() + offset,
      env: { POSTBODE_ADMIN_TOKEN: ADMIN, POSTBODE_SECRET_KEY: 'cd'.repeat(32) },
    });
    ({ browser, tp, base } = await signInAsTenant(gw, { clipboard: true }));
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
    await sink?.close();
  });

  it(
    'shows a sent invoice as "Sent", then "Read" after a person\'s client fetched its pixel; search finds it by ' +
      'number',
    async () => {
      expect(
        (
          await api(gw, 'PUT', `/tenants/${gw.tenantId}/content`, {
            enabled: true,
            openTracking: true,
            ...LONG_INVOICE_CONTENT,
          })
        ).status,
      ).toBe(200);
      const info = await legacyClient(gw).sendMail({
        envelope: { from: 'facturen@jansen.example', to: ['piet@klant.example'] },
        raw: await readFile(FIXTURE),
      });
      const id = queueIdOf(info.response);
      const [got] = await arrived(sink, id);
      const html = String((await simpleParser(got!.raw)).html);
      const token = /\/t\/([A-Za-z0-9_-]+)\.gif/.exec(html)?.[1];
      expect(token).toBeDefined();
      await waitFor(
        async () =>
          ((await api(gw, 'GET', `/messages/${id}`)).body.message as { recipients: Array<{ status: string }> })
            .recipients[0]?.status === 'delivered' || undefined,
      );

      const { page } = tp;
      await page.getByRole('link', { name: 'Sent mail' }).click();
      const item = page.locator(`li.message[data-id="${id}"]`);
      await item.waitFor();
      expect(await item.getByRole('heading', { name: 'Factuur 2024-0012' }).count()).toBe(1);
      expect(await item.locator('.recipients').textContent()).toBe('piet@klant.example: Sent');

      offset += 60_000; // a person, a minute after delivery (not a scanner at once)
      const pixel = await fetch(`${base}/t/${token}.gif`, { headers: { 'user-agent': HUMAN_UA } });
      expect(pixel.status).toBe(200);
      await waitFor(
        async () =>
          ((await api(gw, 'GET', `/messages/${id}`)).body.opens as Record<string, { status: string }> | undefined)?.[
            'piet@klant.example'
          ],
      );
      await page.getByRole('button', { name: 'Refresh' }).click();
      await expect
        .poll(() => page.locator(`li.message[data-id="${id}"] .recipients`).textContent(), POLL)
        .toBe('piet@klant.example: Read');

      await page.getByLabel('Document number or subject').fill('2024-0012');
      await page.getByRole('button', { name: 'Search' }).click();
      await expect.poll(() => page.locator('li.message').count(), POLL).toBe(1);
      await page.getByLabel('Document number or subject').fill('2099-9999');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByText('No messages found.').waitFor();
      await page.getByLabel('Document number or subject').fill('');
      await page.getByRole('button', { name: 'Search' }).click();
      await item.waitFor();
    },
  );

  it(
    'shows a deferred recipient with the reason, ' + 'and "Retry now" delivers it; "Send to accountant" queues a copy',
    async () => {
      const { page } = tp;
      const info = await legacyClient(gw).sendMail({
        envelope: { from: 'facturen@jansen.example', to: ['later@klant.example'] },
        raw: await readFile(FIXTURE),
      });
      const id = queueIdOf(info.response);
      await waitFor(
        async () =>
          ((await api(gw, 'GET', `/messages/${id}`)).body.message as { recipients: Array<{ status: string }> })
            .recipients[0]?.status === 'deferred' || undefined,
      );
      await page.getByRole('button', { name: 'Refresh' }).click();
      const item = page.locator(`li.message[data-id="${id}"]`);
      await expect
        .poll(() => item.locator('.recipients').textContent(), POLL)
        .toMatch(/^later@klant\.example: Deferred: 451 4\.7\.1 Greylisted, try again later \(next attempt /);
      await screenshot(page, '05-sent-mail');

      sink.commands.push('accept-later');
      await item.getByRole('button', { name: 'Retry now' }).click();
      await page.getByText('Queued for a new attempt.').waitFor();
      await arrived(sink, id);
      await expect
        .poll(
          async () => {
            await page.getByRole('button', { name: 'Refresh' }).click();
            return page.locator(`li.message[data-id="${id}"] .recipients`).textContent();
          },
          { timeout: 10_000, interval: 300 },
        )
        .toBe('later@klant.example: Sent');

      // without an accountant address the API refuses, and the page says so
      await page.locator(`li.message[data-id="${id}"]`).getByRole('button', { name: 'Send to accountant' }).click();
      await page.getByText(/^Not possible right now\./).waitFor();
      expect(
        (
          await api(gw, 'PUT', `/tenants/${gw.tenantId}/sender`, {
            accountantAddress: 'boekhouder@kantoor.example',
            accountantMode: 'manual',
          })
        ).status,
      ).toBe(200);
      await page.locator(`li.message[data-id="${id}"]`).getByRole('button', { name: 'Send to accountant' }).click();
      await page.getByText('A copy is on its way to your accountant.').waitFor();
      await waitFor(() => sink.messages.find((m) => m.envelope.to.includes('boekhouder@kantoor.example')));
    },
  );

  it(
    'SMTP login: copies the user name; ' + 'a new password is shown once and works, the old one no longer does',
    async () => {
      const { page } = tp;
      await page.getByRole('link', { name: 'SMTP login' }).click();
      await page.getByRole('heading', { level: 1, name: 'SMTP login' }).waitFor();
      expect(await page.locator('#smtp-username').textContent()).toBe(gw.user);
      await page.getByRole('button', { name: 'Copy' }).click();
      expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(gw.user);
      expect(await page.content()).not.toContain(gw.pass);

      await page.getByRole('button', { name: 'Make a new password' }).click();
      const shown = page.getByLabel('New SMTP password');
      await shown.waitFor();
      const fresh = await shown.inputValue();
      expect(fresh.length).toBeGreaterThanOrEqual(16);
      expect(await page.getByText('Copy it now: it will not be shown again.').count()).toBe(1);
      await screenshot(page, '06-smtp-login');

      const login = (pass: string) =>
        createTransport({
          host: '127.0.0.1',
          port: gw.gateway.smtpPort,
          requireTLS: true,
          tls: { rejectUnauthorized: false },
          auth: { user: gw.user, pass },
        });
      await expect(login(gw.pass).verify()).rejects.toThrow(/535|Invalid login|auth/i);
      await expect(login(fresh).verify()).resolves.toBe(true);
      // once the screen is left and opened again, the password is gone from the page
      await page.getByRole('link', { name: 'Sent mail' }).click();
      await page.getByRole('link', { name: 'SMTP login' }).click();
      await page.getByRole('heading', { level: 1, name: 'SMTP login' }).waitFor();
      expect(await page.content()).not.toContain(fresh);
      expect(tp.problems).toEqual([]);
    },
  );

  it('pages through the log 20 at a time', async () => {
    const { page } = tp;
    const client = createTransport({
      host: '127.0.0.1',
      port: gw.gateway.smtpPort,
      requireTLS: true,
      tls: { rejectUnauthorized: false },
      auth: { user: gw.user, pass: await freshPassword() },
    });
    for (let i = 0; i < 18; i++)
      await client.sendMail({
        from: 'facturen@jansen.example',
        to: 'jan@klant.example',
        subject: `Factuur 2026-${String(100 + i)}`,
        text: 'Beste Jan,\nIn de bijlage de factuur.\n',
      });
    const total = ((await api(gw, 'GET', '/messages?limit=500')).body.messages as unknown[]).length;
    expect(total).toBeGreaterThan(20);
    await page.getByRole('link', { name: 'Sent mail' }).click();
    await page.getByRole('button', { name: 'Older messages' }).waitFor();
    expect(await page.locator('li.message').count()).toBe(20);
    expect(await page.locator('li.message h2').first().textContent()).toBe('Factuur 2026-117');
    await page.getByRole('button', { name: 'Older messages' }).click();
    await page.getByRole('button', { name: 'Newest messages' }).waitFor();
    expect(await page.locator('li.message').count()).toBe(total - 20);
    expect(await page.getByRole('button', { name: 'Older messages' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Newest messages' }).click();
    await expect.poll(() => page.locator('li.message h2').first().textContent(), POLL).toBe('Factuur 2026-117');
  });

  /** The SMTP password after the rotation above: rotated once more, through the API. */
  async function freshPassword(): Promise<string> {
    return String((await api(gw, 'POST', `/tenants/${gw.tenantId}/smtp-credentials/rotate`, {})).body.password);
  }
});
