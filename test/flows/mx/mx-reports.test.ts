import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer, type DnsTestServer } from '../../helpers/dns-server.js';
import { publish, startDomainGateway, type PublishableRecord } from '../../helpers/domains-harness.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { metricValue, sendToMx } from '../../helpers/mx-harness.js';
import { ADMIN, api, PLATFORM } from '../../helpers/sender-harness.js';
import { startSink, type Sink } from '../../helpers/sink.js';
import { waitFor } from '../../helpers/wait-for.js';
import { dmarcXml, gzip, reportMail, tlsJson, zipOf } from '../../feedback/reports/report-fixtures.js';

interface Summary {
  domain: string;
  dmarc: {
    reports: number;
    messages: number;
    dmarc: { pass: number; fail: number };
    dkim: { pass: number; fail: number };
    quarantined: number;
    sources: Array<{ ip: string; messages: number; fail: number }>;
    reporters: string[];
  };
  tls: { reports: number; failures: number; failureTypes: Array<{ resultType: string; count: number }> };
  whatToFix: Array<{ code: string; advice: string }>;
}

const DMARC_TO = `dmarc-reports@${PLATFORM.sendingDomain}`;
const TLS_TO = `tls-reports@${PLATFORM.sendingDomain}`;

describe('DMARC and TLS report intake over the inbound MX, per owner and domain', () => {
  let sink: Sink;
  let dns: DnsTestServer;
  let gw: TestGateway;
  let otherId = '';
  let otherToken = '';

  const reportsOf = (tenantId: string, domain: string, token?: string, lang = 'en') =>
    fetch(`http://127.0.0.1:${gw.gateway.httpPort}/api/v1/tenants/${tenantId}/domains/${domain}/reports`, {
      headers: { authorization: `Bearer ${token ?? ADMIN}`, 'accept-language': lang },
    });
  const summaryOf = async (tenantId: string, domain: string, token?: string, lang = 'en'): Promise<Summary> => {
    const res = await reportsOf(tenantId, domain, token, lang);
    expect(res.status).toBe(200);
    return (await res.json()) as Summary;
  };
  const metric = (outcome: string) => metricValue(gw, `postbode_mx_reports_total{outcome="${outcome}"}`);
  async function activate(tenantId: string, domain: string): Promise<void> {
    const added = await api(gw, 'POST', `/tenants/${tenantId}/domains`, { domain });
    expect(added.status).toBe(201);
    publish(dns, added.body.records as PublishableRecord[]);
    const checked = await api(gw, 'POST', `/tenants/${tenantId}/domains/${domain}/check`);
    expect(checked.body.status).toBe('active');
  }
  async function mail(to: string, filename: string, content: Buffer, type = 'application/zip') {
    const reply = await sendToMx(
      gw,
      'noreply-dmarc-support@google.test',
      to,
      reportMail({ to, filename, content, contentType: type }),
    );
    expect(reply.code).toBe(250);
  }

  beforeAll(async () => {
    sink = await startSink();
    dns = await startDnsServer({ [`_spf.${PLATFORM.sendingDomain}`]: { TXT: [['v=spf1 ip4:127.0.0.1 -all']] } });
    gw = await startDomainGateway(sink.port, dns, 60_000);
    await activate(gw.tenantId, 'acme.test');
    const other = await api(gw, 'POST', '/tenants', { name: 'Other BV' });
    otherId = (other.body.tenant as { id: string }).id;
    otherToken = (await api(gw, 'POST', `/tenants/${otherId}/tokens`, {})).body.token as string;
    await activate(otherId, 'beta.test');
  });
  afterAll(async () => {
    await gw?.stop();
    await dns?.close();
    await sink?.close();
  });

  it('proposes a DMARC record whose rua is the platform report address the MX takes', async () => {
    const domain = await api(gw, 'GET', `/tenants/${gw.tenantId}/domains/acme.test`);
    const records = domain.body.records as Array<{ name: string; value: string }>;
    expect(records.find((r) => r.name === '_dmarc.acme.test')?.value).toBe(`v=DMARC1; p=none; rua=mailto:${DMARC_TO}`);
  });

  it('stores a zipped DMARC report under the tenant that owns the domain and sums it', async () => {
    const xml = dmarcXml('acme.test', [
      { ip: '127.0.0.1', count: 40, dkim: 'pass', spf: 'pass' },
      { ip: '203.0.113.9', count: 5, dkim: 'fail', spf: 'fail', disposition: 'quarantine' },
    ]);
    await mail(DMARC_TO, 'google.test!acme.test!1!2.zip', zipOf('report.xml', Buffer.from(xml)));
    const summary = await waitFor(
      async () => {
        const s = await summaryOf(gw.tenantId, 'acme.test');
        return s.dmarc.reports > 0 ? s : undefined;
      },
      5000,
      'the report on the domain page',
    );
    expect(summary.dmarc).toMatchObject({ messages: 45, dmarc: { pass: 40, fail: 5 }, quarantined: 5 });
    expect(summary.dmarc.sources).toEqual([
      { ip: '127.0.0.1', messages: 40, pass: 40, fail: 0 },
      { ip: '203.0.113.9', messages: 5, pass: 0, fail: 5 },
    ]);
    expect(summary.whatToFix.map((a) => a.code)).toEqual(['report-unknown-senders', 'report-blocked']);
    expect(summary.whatToFix[0]?.advice).toContain('5 messages from 1 sending addresses failed DMARC');
    const nl = await summaryOf(gw.tenantId, 'acme.test', undefined, 'nl');
    expect(nl.whatToFix[0]?.advice).toContain('5 berichten van 1 verzendadressen faalden voor DMARC');
  });

  it('stores a gzip TLS-RPT report with its failures by type', async () => {
    const json = tlsJson('acme.test', 120, [['certificate-host-mismatch', 7]]);
    await mail(TLS_TO, 'google.test!acme.test!1!2.json.gz', gzip(json), 'application/tlsrpt+gzip');
    const summary = await waitFor(
      async () => {
        const s = await summaryOf(gw.tenantId, 'acme.test');
        return s.tls.reports > 0 ? s : undefined;
      },
      5000,
      'the TLS report',
    );
    expect(summary.tls).toMatchObject({
      failures: 7,
      failureTypes: [{ resultType: 'certificate-host-mismatch', count: 7 }],
    });
    expect(summary.whatToFix.map((a) => a.code)).toContain('report-tls-failures');
  });

  it("a second tenant never sees the first tenant's reports, and its own stay its own", async () => {
    await mail(
      DMARC_TO,
      'beta.xml.gz',
      gzip(dmarcXml('beta.test', [{ ip: '198.51.100.1', count: 3, dkim: 'pass', spf: 'pass' }])),
    );
    const beta = await waitFor(
      async () => {
        const s = await summaryOf(otherId, 'beta.test', otherToken);
        return s.dmarc.reports > 0 ? s : undefined;
      },
      5000,
      "beta's report",
    );
    expect(beta.dmarc.sources.map((s) => s.ip)).toEqual(['198.51.100.1']);
    expect((await reportsOf(gw.tenantId, 'acme.test', otherToken)).status).toBe(404);
    expect((await reportsOf(otherId, 'acme.test', otherToken)).status).toBe(404);
    const acme = await summaryOf(gw.tenantId, 'acme.test');
    expect(acme.dmarc.sources.map((s) => s.ip)).not.toContain('198.51.100.1');
  });

  it('drops, and counts, reports for a domain nobody owns and reports that are malformed or bombs', async () => {
    const before = {
      unowned: await metric('unowned'),
      doctype: await metric('doctype'),
      big: await metric('too-large'),
    };
    await mail(
      DMARC_TO,
      'x.xml.gz',
      gzip(dmarcXml('nobody.test', [{ ip: '192.0.2.1', count: 1, dkim: 'pass', spf: 'pass' }])),
    );
    const laughs = '<!DOCTYPE f [<!ENTITY a "aaaa">]><feedback>&a;</feedback>';
    await mail(DMARC_TO, 'evil.xml', Buffer.from(laughs), 'text/xml');
    await mail(DMARC_TO, 'bomb.xml.gz', gzip(Buffer.alloc(8 << 20, 0x20)), 'application/gzip');
    await waitFor(async () => (await metric('too-large')) > before.big || undefined, 5000, 'the bomb counted');
    expect(await metric('unowned')).toBe(before.unowned + 1);
    expect(await metric('doctype')).toBe(before.doctype + 1);
    // Still answering: the MX took the next report as usual.
    expect((await summaryOf(gw.tenantId, 'acme.test')).dmarc.reports).toBe(1);
  });

  it('answers bad input with a 400 naming the field, and documents both routes in the OpenAPI document', async () => {
    const days = await fetch(
      `http://127.0.0.1:${gw.gateway.httpPort}/api/v1/tenants/${gw.tenantId}/domains/acme.test/reports?days=0`,
      { headers: { authorization: `Bearer ${ADMIN}` } },
    );
    expect(days.status).toBe(400);
    expect(JSON.stringify(await days.json())).toContain('days');
    expect((await reportsOf(gw.tenantId, 'not a domain')).status).toBe(400);
    const doc = (await (await fetch(`http://127.0.0.1:${gw.gateway.httpPort}/api/v1/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/tenants/{id}/domains/{domain}/reports', '/platform/reports']),
    );
  });

  it("shows the platform domain's reports to the operator only", async () => {
    const xml = dmarcXml(PLATFORM.sendingDomain, [{ ip: '127.0.0.1', count: 9, dkim: 'pass', spf: 'fail' }]);
    await mail(DMARC_TO, 'p.zip', zipOf('p.xml', Buffer.from(xml)));
    const platform = await waitFor(
      async () => {
        const got = await api(gw, 'GET', '/platform/reports');
        const domains = got.body.domains as Summary[];
        return domains.length > 0 ? domains : undefined;
      },
      5000,
      'platform reports',
    );
    expect(platform.map((s) => [s.domain, s.dmarc.messages])).toEqual([[PLATFORM.sendingDomain, 9]]);
    const asTenant = await fetch(`http://127.0.0.1:${gw.gateway.httpPort}/api/v1/platform/reports`, {
      headers: { authorization: `Bearer ${otherToken}` },
    });
    expect(asTenant.status).toBe(403);
  });
});
