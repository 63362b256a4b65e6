import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openPage, screenshot, signIn, type TestPage } from '../../helpers/browser.js';
import { startDnsServer, type DnsTestServer } from '../../helpers/dns-server.js';
import { startDomainGateway } from '../../helpers/domains-harness.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { ADMIN, api, legacyClient, PLATFORM, queueIdOf } from '../../helpers/sender-harness.js';
import { waitFor } from '../../helpers/wait-for.js';
import { sinkReply, startSink, type Sink } from '../../helpers/sink.js';

/** The admin's overview, a tenant token made there, Dutch labels, keyboard use and a phone-width screen. */
describe('settings page: admin view, languages, keyboard and phone', () => {
  let sink: Sink;
  let dns: DnsTestServer;
  let gw: TestGateway;
  let browser: Browser;
  let base: string;
  let admin: TestPage;
  let issuedToken = '';

  beforeAll(async () => {
    sink = await startSink({
      onRcpt: (address) => {
        if (address.startsWith('later@')) throw sinkReply(451, '4.7.1 Greylisted, try again later');
      },
    });
    dns = await startDnsServer({ [`_spf.${PLATFORM.sendingDomain}`]: { TXT: [['v=spf1 ip4:127.0.0.1 -all']] } });
    gw = await startDomainGateway(sink.port, dns, 600_000);
    base = `http://127.0.0.1:${gw.gateway.httpPort}`;
    browser = await launchBrowser();
    admin = await openPage(browser);
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
    await dns?.close();
    await sink?.close();
  });

  it(
    'shows every tenant with its health: queue counts and domain problems; ' + 'deferred mail with its reason',
    async () => {
      expect((await api(gw, 'POST', `/tenants/${gw.tenantId}/domains`, { domain: 'acme.test' })).status).toBe(201);
      const info = await legacyClient(gw).sendMail({
        from: 'billing@legacy.test',
        to: 'later@customer.test',
        subject: 'Factuur 2026-0042',
        text: 'Beste klant,\nIn de bijlage de factuur.\n',
      });
      const id = queueIdOf(info.response);
      await waitFor(
        async () =>
          ((await api(gw, 'GET', `/messages/${id}`)).body.message as { recipients: Array<{ status: string }> })
            .recipients[0]?.status === 'deferred' || undefined,
      );

      const { page } = admin;
      await signIn(page, base, ADMIN);
      await page.getByRole('heading', { level: 1, name: 'All tenants' }).waitFor();
      const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'Acme Facturatie BV' }) });
      expect(await row.getByRole('cell').allTextContents()).toEqual([
        '0',
        '1',
        '0',
        'acme.test: waiting for DNS',
        expect.stringContaining('Open Acme Facturatie BV'),
      ]);
      expect(await page.getByRole('region', { name: 'Deferred mail' }).textContent()).toMatch(
        /Acme Facturatie BV · Factuur 2026-0042 · 451 4\.7\.1 Greylisted/,
      );
      expect(await page.getByRole('definition').allTextContents()).toEqual(['1', '0', '1', '0', '0', '0']);
      await page.getByRole('region', { name: 'Deferred mail' }).getByRole('button', { name: 'Retry now' }).click();
      await page.getByText('Queued for a new attempt.').waitFor();
      const history = (
        (await api(gw, 'GET', `/messages/${id}`)).body.message as {
          recipients: Array<{ history: Array<{ outcome: string }> }>;
        }
      ).recipients[0]?.history;
      expect(history?.map((e) => e.outcome)).toContain('retried');
    },
  );

  it('creates a tenant (its SMTP password shown once) and makes an API token for it', async () => {
    const { page } = admin;
    await page.getByLabel('Name', { exact: true }).fill('Bakkerij Jansen');
    await page.getByRole('button', { name: 'Create tenant' }).click();
    await page.getByText(/^Created Bakkerij Jansen with SMTP user /).waitFor();
    const password = await page.getByLabel(/^SMTP password for /).inputValue();
    expect(password.length).toBeGreaterThanOrEqual(16);
    await page.getByRole('button', { name: 'Show in the list' }).click();
    const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'Bakkerij Jansen' }) });
    await row.waitFor();
    expect(await page.content()).not.toContain(password);
    await screenshot(page, '07-admin');

    await row.getByRole('button', { name: 'Make API token' }).click();
    issuedToken = await page.getByLabel('API token for Bakkerij Jansen').inputValue();
    expect(issuedToken).toMatch(/^pb_[0-9A-Z]{26}_[A-Za-z0-9_-]{43}$/);
    const tenants = (await fetch(`${base}/api/v1/tenants`, {
      headers: { authorization: `Bearer ${issuedToken}` },
    }).then((r) => r.json())) as { tenants: Array<{ name: string }> };
    expect(tenants.tenants.map((t) => t.name)).toEqual(['Bakkerij Jansen']);
  });

  it("opens a tenant's settings from the overview", async () => {
    const { page } = admin;
    await page.getByRole('button', { name: 'Open Acme Facturatie BV' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sending' }).waitFor();
    expect(await page.getByText('Viewing: Acme Facturatie BV').count()).toBe(1);
    await page.getByRole('link', { name: 'Domains', exact: true }).click();
    await page.getByRole('region', { name: /^acme\.test/ }).waitFor();
    await page.getByRole('link', { name: 'All tenants' }).click();
    await page.getByRole('heading', { level: 1, name: 'All tenants' }).waitFor();
    expect(admin.problems).toEqual([]);
  });

  it(
    'Dutch by default for a Dutch browser, keyboard-only sign-in, ' + 'a language switch, and one column on a phone',
    async () => {
      const tp = await openPage(browser, { locale: 'nl-NL', width: 390, height: 844 });
      const { page } = tp;
      await page.goto(`${base}/settings`);
      await page.getByRole('heading', { level: 1, name: 'Aanmelden' }).waitFor();
      // Tab from the top until the token field has focus (bounded), type, press Enter
      for (let i = 0; i < 10 && !(await page.evaluate<boolean>("document.activeElement?.id === 'token'")); i++)
        await page.keyboard.press('Tab');
      expect(await page.evaluate<string>('document.activeElement?.id')).toBe('token');
      await page.keyboard.type(issuedToken);
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { level: 1, name: 'Verzenden' }).waitFor();
      expect(await page.getByLabel('Eigen mailbox (SMTP)').count()).toBe(1);
      // focus moved to the new screen's heading; the next Tab lands on the first control, visibly
      expect(await page.evaluate<string>('document.activeElement?.textContent')).toBe('Verzenden');
      await page.keyboard.press('Tab');
      expect(
        await page.evaluate<string[]>(
          '[document.activeElement.id, getComputedStyle(document.activeElement).outlineStyle]',
        ),
      ).toEqual(['mode-forwarding', 'solid']);
      // every form control on the screen has a label
      // (expressions as strings: the test program has no DOM types; they run in the page)
      const unlabelled = await page.evaluate<string[]>(`[...document.querySelectorAll('input, select, textarea')]
      .filter((el) => el.labels.length === 0 && !el.getAttribute('aria-label')).map((el) => el.outerHTML)`);
      expect(unlabelled).toEqual([]);
      // one column: nothing wider than the phone
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      const [host, port] = await Promise.all([
        page.getByLabel('Server (host)').boundingBox(),
        page.getByLabel('Poort').boundingBox(),
      ]);
      expect(port!.y).toBeGreaterThan(host!.y + host!.height);
      await screenshot(page, '08-phone-nl');
      // the other screens too: every control labelled, nothing wider than the phone
      for (const [link, heading] of [
        ['Inhoud', 'Inhoud'],
        ['Domeinen', 'Domeinen'],
        ['Verzonden e-mail', 'Verzonden e-mail'],
        ['SMTP-login', 'SMTP-login'],
      ]) {
        await page.getByRole('link', { name: link, exact: true }).click();
        await page.getByRole('heading', { level: 1, name: heading }).waitFor();
        expect({
          heading,
          unlabelled: await page.evaluate<string[]>(`[...document.querySelectorAll('input, select, textarea')]
        .filter((el) => el.labels.length === 0 && !el.getAttribute('aria-label')).map((el) => el.outerHTML)`),
        }).toEqual({ heading, unlabelled: [] });
        expect({ heading, width: await page.evaluate<number>('document.documentElement.scrollWidth') }).toEqual({
          heading,
          width: 390,
        });
      }
      await page.getByRole('link', { name: 'Verzenden', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Verzenden' }).waitFor();

      await page.getByLabel('Taal').selectOption('en');
      await page.getByRole('heading', { level: 1, name: 'Sending' }).waitFor();
      expect(await page.evaluate<string>('document.documentElement.lang')).toBe('en');
      expect(tp.problems).toEqual([]);
      await tp.context.close();
    },
  );
});
