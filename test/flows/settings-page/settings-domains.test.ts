import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot, signInAsTenant, type TestPage } from '../../helpers/browser.js';
import { startDnsServer, type DnsTestServer } from '../../helpers/dns-server.js';
import { publish, startDomainGateway, type PublishableRecord } from '../../helpers/domains-harness.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { api, PLATFORM } from '../../helpers/sender-harness.js';
import { startSink, type Sink } from '../../helpers/sink.js';

/** Domains in the browser: add, copy the records, "Check and activate" against a local DNS server. */
describe('settings page: domains', () => {
  let sink: Sink;
  let dns: DnsTestServer;
  let gw: TestGateway;
  let browser: Browser;
  let tp: TestPage;

  beforeAll(async () => {
    sink = await startSink();
    dns = await startDnsServer({ [`_spf.${PLATFORM.sendingDomain}`]: { TXT: [['v=spf1 ip4:127.0.0.1 -all']] } });
    gw = await startDomainGateway(sink.port, dns, 600_000);
    ({ browser, tp } = await signInAsTenant(gw, { clipboard: true }));
    await tp.page.getByRole('link', { name: 'Domains', exact: true }).click();
    await tp.page.getByRole('heading', { level: 1, name: 'Domains' }).waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
    await dns?.close();
    await sink?.close();
  });

  it('adds a domain and shows its DNS records ready to copy', async () => {
    const { page } = tp;
    await page.getByLabel('Domain', { exact: true }).fill('acme.test');
    await page.getByRole('button', { name: 'Add domain' }).click();
    const card = page.getByRole('region', { name: /^acme\.test/ });
    await card.waitFor();
    expect(await card.getByText('waiting for DNS').count()).toBe(1);
    const dkimRow = card.getByRole('row').filter({ hasText: '._domainkey.acme.test' });
    expect(await dkimRow.count()).toBe(1);
    await dkimRow.getByRole('button', { name: 'Copy value' }).click();
    await card.getByText('Copied to the clipboard.').waitFor();
    const copied = await page.evaluate<string>('navigator.clipboard.readText()');
    expect(copied).toMatch(/^v=DKIM1; k=rsa; p=[A-Za-z0-9+/=]{300,}$/);
    const domain = (await api(gw, 'GET', `/tenants/${gw.tenantId}/domains/acme.test`)).body as {
      records: Array<PublishableRecord & { value: string }>;
    };
    expect(copied).toBe(domain.records.find((r) => r.name.endsWith('._domainkey.acme.test'))?.value);
  });

  it('"Check and activate" says in words what is missing, then activates once the records are published', async () => {
    const { page } = tp;
    const card = page.getByRole('region', { name: /^acme\.test/ });
    await card.getByRole('button', { name: 'Check and activate' }).click();
    await card.getByText(/^Not active yet/).waitFor();
    const dkim = card.getByRole('listitem').filter({ hasText: /^DKIM key \(pb\d{6}\): missing/ });
    expect(await dkim.count()).toBe(1);
    expect((await dkim.textContent())!.length).toBeGreaterThan(60);
    expect(
      await card
        .getByRole('listitem')
        .filter({ hasText: /^SPF: missing/ })
        .count(),
    ).toBe(1);

    const domain = (await api(gw, 'GET', `/tenants/${gw.tenantId}/domains/acme.test`)).body as unknown as {
      records: PublishableRecord[];
    };
    publish(dns, domain.records);
    await card.getByRole('button', { name: 'Check and activate' }).click();
    await card.getByText(/^All set: the domain is active/).waitFor();
    expect(
      await card
        .getByRole('listitem')
        .filter({ hasText: /^DKIM key \(pb\d{6}\): correct/ })
        .count(),
    ).toBe(1);
    expect(
      await card
        .getByRole('listitem')
        .filter({ hasText: /^SPF: correct/ })
        .count(),
    ).toBe(1);
    expect(await card.locator('.badge').textContent()).toBe('active');
    expect(
      await card.getByRole('row').filter({ hasText: '._domainkey.acme.test' }).getByRole('cell').nth(3).textContent(),
    ).toBe('Keep');
    expect((await api(gw, 'GET', `/tenants/${gw.tenantId}/domains/acme.test`)).body.status).toBe('active');
    await screenshot(page, '04-domains');
    expect(tp.problems).toEqual([]);
  });

  it('offers the bounce host (CNAME) to align SPF: optional, checked, then "Keep"', async () => {
    const { page } = tp;
    const card = page.getByRole('region', { name: /^acme\.test/ });
    const row = card.getByRole('row').filter({ hasText: 'bounces.acme.test' });
    expect(await row.getByRole('cell').nth(0).textContent()).toBe('CNAME');
    expect(await row.getByRole('cell').nth(2).textContent()).toContain(PLATFORM.bounceDomain);
    expect(await row.getByRole('cell').nth(3).textContent()).toBe('Add');
    expect(
      await card
        .getByRole('listitem')
        .filter({ hasText: /^Return path: missing.*optional/ })
        .count(),
    ).toBe(1);

    dns.set('bounces.acme.test', { CNAME: PLATFORM.bounceDomain });
    await card.getByRole('button', { name: 'Check and activate' }).click();
    await card.getByText(/^All set: the domain is active/).waitFor();
    const after = page.getByRole('region', { name: /^acme\.test/ });
    expect(
      await after
        .getByRole('listitem')
        .filter({ hasText: /^Return path: correct/ })
        .count(),
    ).toBe(1);
    expect(
      await after.getByRole('row').filter({ hasText: 'bounces.acme.test' }).getByRole('cell').nth(3).textContent(),
    ).toBe('Keep');
    expect(tp.problems).toEqual([]);
  });
});
