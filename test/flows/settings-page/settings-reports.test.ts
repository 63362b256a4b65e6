import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, screenshot, signIn, signInAsTenant, type TestPage } from '../../helpers/browser.js';
import { startDnsServer, type DnsTestServer } from '../../helpers/dns-server.js';
import { publish, startDomainGateway, type PublishableRecord } from '../../helpers/domains-harness.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { sendToMx } from '../../helpers/mx-harness.js';
import { ADMIN, api, PLATFORM } from '../../helpers/sender-harness.js';
import { startSink, type Sink } from '../../helpers/sink.js';
import { waitFor } from '../../helpers/wait-for.js';
import { dmarcXml, reportMail, zipOf } from '../../feedback/reports/report-fixtures.js';

const DMARC_TO = `dmarc-reports@${PLATFORM.sendingDomain}`;

/** The DMARC reports of a domain on its card (tenant), and of the platform domain on the admin page. */
describe('settings page: what receivers report about a domain', () => {
  let sink: Sink;
  let dns: DnsTestServer;
  let gw: TestGateway;
  let browser: Browser;
  let tp: TestPage;

  async function report(domain: string, rows: Parameters<typeof dmarcXml>[1]): Promise<void> {
    const content = zipOf('r.xml', Buffer.from(dmarcXml(domain, rows)));
    const mail = reportMail({ to: DMARC_TO, filename: 'r.zip', contentType: 'application/zip', content });
    expect((await sendToMx(gw, 'noreply-dmarc@google.test', DMARC_TO, mail)).code).toBe(250);
  }

  beforeAll(async () => {
    sink = await startSink();
    dns = await startDnsServer({ [`_spf.${PLATFORM.sendingDomain}`]: { TXT: [['v=spf1 ip4:127.0.0.1 -all']] } });
    gw = await startDomainGateway(sink.port, dns, 600_000);
    const added = await api(gw, 'POST', `/tenants/${gw.tenantId}/domains`, { domain: 'acme.test' });
    publish(dns, added.body.records as PublishableRecord[]);
    expect((await api(gw, 'POST', `/tenants/${gw.tenantId}/domains/acme.test/check`)).body.status).toBe('active');
    await report('acme.test', [
      { ip: '127.0.0.1', count: 31, dkim: 'pass', spf: 'pass' },
      { ip: '203.0.113.66', count: 4, dkim: 'fail', spf: 'fail', disposition: 'reject' },
    ]);
    await report(PLATFORM.sendingDomain, [{ ip: '127.0.0.1', count: 8, dkim: 'pass', spf: 'pass' }]);
    await waitFor(
      async () => {
        const got = await api(gw, 'GET', '/platform/reports');
        return (got.body.domains as unknown[]).length > 0 || undefined;
      },
      5000,
      'both reports stored',
    );
    ({ browser, tp } = await signInAsTenant(gw));
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
    await dns?.close();
    await sink?.close();
  });

  it('the domain card shows who sends as the domain, the pass/fail counts and what to fix', async () => {
    const { page } = tp;
    await page.getByRole('link', { name: 'Domains', exact: true }).click();
    const card = page.getByRole('region', { name: /^acme\.test/ });
    const reports = card.getByRole('region', { name: 'What receivers report (last 30 days)' });
    await reports.waitFor();
    expect(await reports.getByText('35 messages reported: DMARC passed 31, failed 4').count()).toBe(1);
    const rows = reports.getByRole('row');
    expect(await rows.filter({ hasText: '203.0.113.66' }).textContent()).toBe('203.0.113.6644');
    const advice = reports.getByRole('listitem');
    expect(await advice.first().textContent()).toMatch(/^4 messages from 1 sending addresses failed DMARC/);
    expect(await advice.nth(1).textContent()).toMatch(/^4 messages that failed DMARC were put in spam or refused/);
    await screenshot(page, 'settings-domain-reports');
    expect(tp.problems).toEqual([]);
  });

  it('the operator sees the platform domain reports on the admin page, in Dutch too', async () => {
    const admin = await openPage(browser, { locale: 'nl-NL' });
    await signIn(admin.page, `http://127.0.0.1:${gw.gateway.httpPort}`, ADMIN);
    const card = admin.page.getByRole('region', { name: 'Rapporten over de platformdomeinen' });
    await card.waitFor();
    expect(await card.getByText(PLATFORM.sendingDomain, { exact: true }).count()).toBe(1);
    expect(await card.getByText('8 berichten gerapporteerd: DMARC geslaagd 8, gefaald 0').count()).toBe(1);
    expect(await card.getByRole('listitem').first().textContent()).toMatch(/^Alle gerapporteerde mail slaagde/);
    expect(admin.problems).toEqual([]);
  });
});
