import { gunzipSync } from 'node:zlib';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemResolver } from '../../../src/transports/smtp/direct-mx.js';
import { createTlsOutcomes } from '../../../src/transports/smtp/tls-report/tls-outcomes.js';
import { createTlsReporter } from '../../../src/transports/smtp/tls-report/tls-reporter.js';
import { silent } from '../../helpers/delivery-harness.js';
import { directTransport, sendTo } from '../../helpers/direct-mx-harness.js';
import { startDnsServer, type DnsTestServer } from '../../helpers/dns-server.js';
import { startSink, type Sink } from '../../helpers/sink.js';
import { createTestCa } from '../../helpers/test-ca.js';

/**
 * TLS-RPT (RFC 8460): direct delivery counts each session's TLS outcome per recipient domain;
 * a report cycle (forced here, daily in the gateway) mails each domain that publishes
 * `_smtp._tls` with a mailto: rua one gzipped JSON aggregate report, through direct delivery.
 */
const cleanups: Array<() => Promise<void>> = [];
let dns: DnsTestServer;
let sink: Sink;

beforeAll(async () => {
  const ca = await createTestCa();
  const leaf = await ca.issue(['mx.report.test', 'mx.quiet.test', 'mx.collector.test']);
  sink = await startSink({ tls: { key: leaf.key, cert: leaf.cert } });
  dns = await startDnsServer({
    'report.test': { MX: [{ exchange: 'mx.report.test', priority: 10 }] },
    'mx.report.test': { A: ['127.0.0.1'] },
    '_smtp._tls.report.test': {
      TXT: [['v=TLSRPTv1; rua=mailto:tls-reports@collector.test,https://collector.test/tlsrpt']],
    },
    'quiet.test': { MX: [{ exchange: 'mx.quiet.test', priority: 10 }] },
    'mx.quiet.test': { A: ['127.0.0.1'] },
    'collector.test': { MX: [{ exchange: 'mx.collector.test', priority: 10 }] },
    'mx.collector.test': { A: ['127.0.0.1'] },
  });
  cleanups.push(
    () => dns.close(),
    () => sink.close(),
  );
});
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('TLS reports', () => {
  it('mails the day’s counts as gzipped JSON to each mailto: rua that asks, then starts over', async () => {
    const resolver = systemResolver(dns.address);
    const outcomes = createTlsOutcomes();
    const t = directTransport(resolver, sink.port, cleanups, { tlsOutcomes: outcomes });
    let now = Date.parse('2026-12-06T00:00:00Z');
    const reporter = createTlsReporter({
      outcomes,
      resolveTxt: (name) => resolver.resolveTxt!(name),
      send: (envelope, raw, route) => t.send(envelope, raw, route),
      from: 'tlsrpt-noreply@postbode.test',
      organization: 'Postbode Test',
      hostname: 'postbode.test',
      logger: silent,
      clock: () => now,
    });
    cleanups.push(() => reporter.stop());
    for (const to of ['a@report.test', 'b@report.test', 'c@quiet.test'])
      expect((await sendTo(t, to)).outcome).toBe('delivered');
    outcomes.failure(
      'report.test',
      { type: 'no-policy-found', strings: [] },
      {
        resultType: 'certificate-expired',
        receivingMx: 'mx2.report.test',
        receivingIp: '192.0.2.7',
      },
    );

    now = Date.parse('2026-12-07T00:00:00Z');
    expect(await reporter.runCycle()).toEqual([
      { domain: 'report.test', to: 'tls-reports@collector.test', outcome: 'delivered' },
    ]);
    const mail = sink.messages.find((m) => m.envelope.to.includes('tls-reports@collector.test'))!;
    expect(mail.envelope.from).toBe('tlsrpt-noreply@postbode.test');
    const parsed = await simpleParser(mail.raw);
    expect(parsed.headers.get('tls-report-domain')).toBe('report.test');
    expect(parsed.headers.get('content-type')).toMatchObject({ params: { 'report-type': 'tlsrpt' } });
    const [gz] = parsed.attachments;
    expect(gz?.contentType).toBe('application/tlsrpt+gzip');
    expect(gz?.filename).toMatch(/^postbode\.test!report\.test!1796515200!1796601600\.json\.gz$/);
    const report = JSON.parse(gunzipSync(gz!.content).toString('utf8'));
    expect(report).toMatchObject({
      'organization-name': 'Postbode Test',
      'date-range': { 'start-datetime': '2026-12-06T00:00:00Z', 'end-datetime': '2026-12-07T00:00:00Z' },
      'contact-info': 'tlsrpt-noreply@postbode.test',
      policies: [
        {
          policy: { 'policy-type': 'no-policy-found', 'policy-domain': 'report.test' },
          summary: { 'total-successful-session-count': 2, 'total-failure-session-count': 1 },
          'failure-details': [
            {
              'result-type': 'certificate-expired',
              'receiving-mx-hostname': 'mx2.report.test',
              'receiving-ip': '192.0.2.7',
              'failed-session-count': 1,
            },
          ],
        },
      ],
    });

    // a new period: nothing happened since, so nothing is sent (the report's own delivery is to a domain without rua)
    now += 86_400_000;
    expect(await reporter.runCycle()).toEqual([]);
  });
});
