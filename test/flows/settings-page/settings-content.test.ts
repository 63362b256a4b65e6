import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POLL, screenshot, signInAsTenant, type TestPage } from '../../helpers/browser.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { api, startSenderGateway } from '../../helpers/sender-harness.js';
import { startSink, type Sink } from '../../helpers/sink.js';

/** The content screen: subjects and texts with variables, the API's live preview and spam advice, open tracking. */
describe('settings page: content', () => {
  let platform: Sink;
  let tenantServer: Sink;
  let gw: TestGateway;
  let browser: Browser;
  let tp: TestPage;
  const content = () => `/tenants/${gw.tenantId}/content`;

  beforeAll(async () => {
    platform = await startSink();
    tenantServer = await startSink();
    gw = await startSenderGateway(platform.port);
    ({ browser, tp } = await signInAsTenant(gw));
    await tp.page.getByRole('link', { name: 'Content', exact: true }).click();
    await tp.page.getByRole('heading', { level: 1, name: 'Content' }).waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
    await Promise.all([platform?.close(), tenantServer?.close()]);
  });

  it(
    'previews a subject with %document-number% as it is typed, ' + 'saves it, and finds it again after a reload',
    async () => {
      const { page } = tp;
      await page.getByLabel('Subject', { exact: true }).fill('Factuur %document-number% voor %client-name%');
      await expect
        .poll(() => page.locator('#preview-subject').textContent(), POLL)
        .toBe('Factuur 2026-0042 voor Jansen BV');
      await page.getByLabel('Sample document number').fill('2026-0077');
      await expect
        .poll(() => page.locator('#preview-subject').textContent(), POLL)
        .toBe('Factuur 2026-0077 voor Jansen BV');

      await page
        .getByLabel('E-mail text')
        .fill(
          'Beste %client-name%,\n\nIn de bijlage vindt u factuur %document-number%.\nWij verzoeken u het bedrag ' +
            'binnen 14 dagen te betalen.\n\nMet vriendelijke groet,\nAcme',
        );
      await page.getByLabel('Replace the text from my software with this text').check();
      await expect
        .poll(() => page.locator('#preview-text').textContent(), POLL)
        .toContain('In de bijlage vindt u factuur 2026-0077.');
      // the HTML version, with the layout's inlined styles applied (through the CSSOM: no CSP violation)
      const html = page.getByRole('region', { name: 'Preview of the e-mail' });
      await expect.poll(() => html.textContent(), POLL).toContain('factuur 2026-0077');
      expect(await html.locator('[style]').count()).toBeGreaterThan(0);

      await page.getByLabel('Apply these subjects, texts and layout to outgoing mail').check();
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByText('Saved.').waitFor();
      const saved = (await api(gw, 'GET', content())).body as {
        enabled: boolean;
        settings: Record<string, Record<string, unknown>>;
      };
      expect(saved.enabled).toBe(true);
      expect(saved.settings.subjects).toEqual({ invoice: { nl: 'Factuur %document-number% voor %client-name%' } });
      expect(saved.settings.defaultTexts).toEqual({ invoice: 'invoice' });
      expect(saved.settings.body).toEqual({ invoice: 'replace' });

      await page.reload();
      await page.getByRole('heading', { level: 1, name: 'Content' }).waitFor();
      expect(await page.getByLabel('Subject', { exact: true }).inputValue()).toBe(
        'Factuur %document-number% voor %client-name%',
      );
      // the saved template, rendered by the API without the page sending it
      await expect
        .poll(() => page.locator('#preview-subject').textContent(), POLL)
        .toBe('Factuur 2026-0042 voor Jansen BV');
      await expect.poll(() => html.textContent(), POLL).toContain('factuur 2026-0042');
      await screenshot(page, '03-content');
    },
  );

  it("shows spam advice beside the editor, and the API's refusal of an unknown variable naming the field", async () => {
    const { page } = tp;
    await page.getByLabel('Document type').selectOption('reminder');
    expect(await page.getByLabel('Subject', { exact: true }).inputValue()).toBe('');
    await page.getByLabel('Subject', { exact: true }).fill('BETAAL NU!!! %document-number%');
    await expect
      .poll(() => page.getByRole('list', { name: 'Spam advice for the preview' }).textContent(), POLL)
      .toMatch(/capital|exclamation/i);
    // A generic greeting: plain advice to greet the client by name.
    await page.getByLabel('E-mail text').fill('Beste klant,\n\nIn bijlage vindt u een herinnering.');
    await expect
      .poll(() => page.getByRole('list', { name: 'Spam advice for the preview' }).textContent(), POLL)
      .toContain('"Beste klant," greets nobody in particular; greet the client by name, e.g. with %client-name%');
    await page.getByLabel('E-mail text').fill('');
    await page.getByLabel('Subject', { exact: true }).fill('Herinnering %factuurnummer%');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText(/^Please check: subjects\.reminder\.nl: .*factuurnummer/).waitFor();
    expect((await api(gw, 'GET', content())).body.settings).not.toHaveProperty('subjects.reminder');
  });

  it('switches open tracking on; in own-SMTP mode the switch is disabled and says why', async () => {
    const { page } = tp;
    await page.getByLabel('Subject', { exact: true }).fill('Herinnering %document-number%');
    await page.getByLabel(/^Open tracking/).check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved.').waitFor();
    expect((await api(gw, 'GET', content())).body.settings).toMatchObject({
      openTracking: true,
      subjects: { reminder: { nl: 'Herinnering %document-number%' } },
    });

    // own-smtp, set up through the API (tracking off first, as the page's disabled switch would save it)
    const sender = `/tenants/${gw.tenantId}/sender`;
    const settings = (await api(gw, 'GET', content())).body.settings as Record<string, unknown>;
    expect((await api(gw, 'PUT', content(), { ...settings, openTracking: false })).status).toBe(200);
    expect(
      (
        await api(gw, 'PUT', sender, {
          smtp: { host: '127.0.0.1', port: tenantServer.port, tls: 'opportunistic', rejectUnauthorized: false },
        })
      ).status,
    ).toBe(200);
    expect((await api(gw, 'POST', `${sender}/test-send`, { to: 'check@acme.test' })).body).toMatchObject({ ok: true });
    expect((await api(gw, 'PUT', sender, { mode: 'own-smtp' })).status).toBe(200);
    await page.reload();
    const tracking = page.getByLabel(/^Open tracking/);
    await tracking.waitFor();
    expect(await tracking.isDisabled()).toBe(true);
    expect(await page.locator(`#${await tracking.getAttribute('aria-describedby')}`).textContent()).toContain(
      'Not available with "Own mailbox (SMTP)"',
    );
    expect(tp.problems).toEqual([]);
  });
});
