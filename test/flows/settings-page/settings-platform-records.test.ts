/**
 * The platform's own DNS records (DKIM, SPF and its include, DMARC, MX of the inbound, MTA-STS, TLS-RPT, HELO name and
 * its reverse DNS), checked against the local DNS server: in the Config API (admin only, in the OpenAPI document) and
 * on the admin screen, in Chromium.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openPage, signIn, type TestPage } from '../../helpers/browser.js';
import { reverseName, startDnsServer, type DnsTestServer } from '../../helpers/dns-server.js';
import { startDomainGateway } from '../../helpers/domains-harness.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { ADMIN, api, PLATFORM } from '../../helpers/sender-harness.js';
import { startSink, type Sink } from '../../helpers/sink.js';

const HOST = 'gw.postbode.test';
const SPF = 'v=spf1 ip4:127.0.0.1 -all';
const MX = { MX: [{ exchange: HOST, priority: 10 }] };

interface Checked {
  record: string;
  name: string;
  status: string;
  problem: string | null;
  required: boolean;
  advice: string;
}
interface Report {
  ok: boolean;
  hostname: string;
  records: Checked[];
}

describe('platform DNS records: checked, in the API and on the admin screen', () => {
  let sink: Sink;
  let dns: DnsTestServer;
  let gw: TestGateway;
  let browser: Browser;
  let admin: TestPage;

  beforeAll(async () => {
    sink = await startSink();
    dns = await startDnsServer({
      [`_spf.${PLATFORM.sendingDomain}`]: { TXT: [[SPF]] },
      [PLATFORM.sendingDomain]: { TXT: [[`v=spf1 include:_spf.${PLATFORM.sendingDomain} ~all`]], ...MX },
      // The bounce domain has its SPF but no MX yet: bounces would not come back.
      [PLATFORM.bounceDomain]: { TXT: [[`v=spf1 include:_spf.${PLATFORM.sendingDomain} ~all`]] },
      [HOST]: { A: ['127.0.0.1'] },
      [reverseName('127.0.0.1')]: { PTR: [HOST] },
    });
    gw = await startDomainGateway(sink.port, dns, 0);
    browser = await launchBrowser();
    admin = await openPage(browser);
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
    await dns?.close();
    await sink?.close();
  });

  const report = async () => (await api(gw, 'GET', '/platform/dns-records')).body as unknown as Report;
  const statusOf = (r: Report, record: string, name: string) =>
    r.records.find((c) => c.record === record && c.name === name);

  it('checks every record: the bounce domain without MX is a required record missing', async () => {
    const first = await report();
    expect(first.hostname).toBe(HOST);
    expect(first.ok).toBe(false);
    const byKind = first.records.map((c) => `${c.record} ${c.name} ${c.status}`);
    expect(byKind).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^dkim pb\\d{6}\\._domainkey\\.${PLATFORM.sendingDomain} ok$`)),
        `spf ${PLATFORM.sendingDomain} ok`,
        `mx ${PLATFORM.sendingDomain} ok`,
        `spf _spf.${PLATFORM.sendingDomain} ok`,
        `dmarc _dmarc.${PLATFORM.sendingDomain} missing`,
        `spf ${PLATFORM.bounceDomain} ok`,
        `mx ${PLATFORM.bounceDomain} missing`,
        `mta-sts _mta-sts.${PLATFORM.sendingDomain} missing`,
        `tls-rpt _smtp._tls.${PLATFORM.sendingDomain} missing`,
        `helo ${HOST} ok`,
      ]),
    );
    expect(statusOf(first, 'mx', PLATFORM.bounceDomain)).toMatchObject({ required: true, problem: 'not-found' });
    expect(statusOf(first, 'mta-sts', `_mta-sts.${PLATFORM.sendingDomain}`)?.required).toBe(false);
  });

  it('publishing the MX makes it ok; a reverse name that is not the HELO name is wrong (PTR advice)', async () => {
    dns.set(PLATFORM.bounceDomain, { TXT: [[`v=spf1 include:_spf.${PLATFORM.sendingDomain} ~all`]], ...MX });
    dns.set(`_smtp._tls.${PLATFORM.sendingDomain}`, { TXT: [['v=TLSRPTv1; rua=mailto:tls@send.postbode.test']] });
    const fixed = await report();
    expect(fixed.ok).toBe(true);
    expect(statusOf(fixed, 'tls-rpt', `_smtp._tls.${PLATFORM.sendingDomain}`)?.status).toBe('ok');

    dns.set(reverseName('127.0.0.1'), { PTR: ['dsl-127-0-0-1.isp.test'] });
    const reversed = await report();
    expect(reversed.ok).toBe(false);
    expect(statusOf(reversed, 'helo', HOST)).toMatchObject({ status: 'wrong', problem: 'reverse-mismatch' });
    expect(statusOf(reversed, 'helo', HOST)?.advice).toContain('127.0.0.1');
    dns.set(reverseName('127.0.0.1'), { PTR: [HOST] });
  });

  it('the advice follows Accept-Language: every text of the platform checks has its Dutch words', async () => {
    dns.set(reverseName('127.0.0.1'), { PTR: ['dsl-127-0-0-1.isp.test'] });
    dns.set(PLATFORM.bounceDomain, { MX: [{ exchange: 'mx.elsewhere.test', priority: 5 }] });
    const url = `http://127.0.0.1:${gw.gateway.httpPort}/api/v1/platform/dns-records`;
    const answer = await fetch(url, { headers: { authorization: `Bearer ${ADMIN}`, 'accept-language': 'nl' } });
    expect(answer.headers.get('content-language')).toBe('nl');
    const nl = (await answer.json()) as Report;
    const en = await report();
    for (const [i, r] of nl.records.entries()) expect(r.advice, en.records[i]?.advice).not.toBe(en.records[i]?.advice);
    expect(nl.records.find((r) => r.record === 'helo')?.advice).toContain('Vraag de leverancier');
    dns.set(reverseName('127.0.0.1'), { PTR: [HOST] });
    dns.set(PLATFORM.bounceDomain, { TXT: [[`v=spf1 include:_spf.${PLATFORM.sendingDomain} ~all`]], ...MX });
  });

  it('admin only: a tenant token gets 403; the route is in the OpenAPI document', async () => {
    const token = (await api(gw, 'POST', `/tenants/${gw.tenantId}/tokens`, {})).body.token as string;
    const base = `http://127.0.0.1:${gw.gateway.httpPort}/api/v1`;
    const asTenant = await fetch(`${base}/platform/dns-records`, { headers: { authorization: `Bearer ${token}` } });
    expect(asTenant.status).toBe(403);
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toContain('/platform/dns-records');
  });

  it('the admin screen shows the records with their checks (Chromium)', async () => {
    const { page } = admin;
    await signIn(page, `http://127.0.0.1:${gw.gateway.httpPort}`, ADMIN);
    const section = page.getByRole('region', { name: "The platform's DNS records" });
    await section.getByRole('button', { name: 'Check the platform records' }).click();
    await section.getByText('Every required record is correct.').waitFor();
    const mx = section.locator(`tr[data-record="mx"]`).filter({ hasText: PLATFORM.bounceDomain });
    expect(await mx.textContent()).toContain('correct');
    const sts = section.locator('tr[data-record="mta-sts"]');
    expect(await sts.textContent()).toMatch(/missing.*There is no MTA-STS record/);
    dns.set(`_spf.${PLATFORM.sendingDomain}`, undefined);
    await section.getByRole('button', { name: 'Check the platform records' }).click();
    await section.getByText('Some required records are missing or wrong: see below.').waitFor();
    expect(await section.locator(`tr[data-record="spf"].missing`).textContent()).toContain(
      `_spf.${PLATFORM.sendingDomain}`,
    );
  });
});
