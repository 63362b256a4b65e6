import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer, type DnsTestServer } from '../../helpers/dns-server.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { api, PLATFORM } from '../../helpers/sender-harness.js';
import { startSink, type Sink } from '../../helpers/sink.js';
import { startDomainGateway } from '../../helpers/domains-harness.js';
import { apiCatalog } from '../../../src/admin/api/v1/localise.js';

interface CheckView {
  record: string;
  status: string;
  problem: string | null;
  advice: string;
}
interface DomainBody {
  status: string;
  failingReason?: string;
  lastCheck?: { records: CheckView[] };
}

/** The DNS checks' advice answers in the request's language; the `problem` codes stay the same. */
describe('DNS advice in nl and en', () => {
  let sink: Sink;
  let dns: DnsTestServer;
  let gw: TestGateway;
  let token: string;
  let otherToken: string;

  async function check(lang: string, as = token) {
    const res = await fetch(
      `http://127.0.0.1:${gw.gateway.httpPort}/api/v1/tenants/${gw.tenantId}/domains/acme.test/check`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${as}`, 'accept-language': lang },
      },
    );
    return { status: res.status, body: (await res.json()) as DomainBody & Record<string, unknown> };
  }

  beforeAll(async () => {
    sink = await startSink();
    dns = await startDnsServer({ [`_spf.${PLATFORM.sendingDomain}`]: { TXT: [['v=spf1 ip4:127.0.0.1 -all']] } });
    gw = await startDomainGateway(sink.port, dns, 60_000);
    token = String((await api(gw, 'POST', `/tenants/${gw.tenantId}/tokens`, {})).body.token);
    const other = await api(gw, 'POST', '/tenants', { name: 'Mallory BV' });
    otherToken = String(
      (await api(gw, 'POST', `/tenants/${(other.body.tenant as { id: string }).id}/tokens`, {})).body.token,
    );
    // SPF pasted with its quotes, DMARC twice, no DKIM and no bounce CNAME: four kinds of advice.
    dns.set('acme.test', { TXT: [['"v=spf1 include:mail.provider.test ~all"']] });
    dns.set('_dmarc.acme.test', { TXT: [['v=DMARC1; p=none'], ['v=DMARC1; p=reject']] });
    expect((await api(gw, 'POST', `/tenants/${gw.tenantId}/domains`, { domain: 'acme.test' })).status).toBe(201);
  });
  afterAll(async () => {
    await gw?.stop();
    await dns?.close();
    await sink?.close();
  });

  it("every record's advice is Dutch on a Dutch request, with the same status and problem codes", async () => {
    const nl = await check('nl');
    const en = await check('en');
    expect(nl.status).toBe(200);
    const codes = (b: DomainBody) => b.lastCheck!.records.map((r) => `${r.record}:${r.status}:${r.problem}`);
    expect(codes(nl.body)).toEqual(codes(en.body));
    expect(codes(en.body)).toEqual(expect.arrayContaining(['spf:wrong:quoted', 'dmarc:wrong:several-records']));
    const advice = (b: DomainBody, record: string) => b.lastCheck!.records.find((r) => r.record === record)!.advice;
    expect(advice(nl.body, 'spf')).toMatch(
      /^Uw SPF-record bevat aanhalingstekens .* Vervang de waarde door precies: v=spf1 /,
    );
    expect(advice(nl.body, 'dmarc')).toBe(
      'Er staan 2 DMARC-records op _dmarc.acme.test; ontvangers negeren DMARC als er meer dan één is. Houd er ' +
        'één en verwijder de andere.',
    );
    expect(advice(nl.body, 'dkim')).toMatch(/^Er is nog geen DKIM-record\./);
    for (const r of en.body.lastCheck!.records) {
      // Each English advice is in the catalog, and its Dutch text is what the Dutch request got.
      expect(apiCatalog.localise(r.advice, 'nl').code).toBeDefined();
      expect(advice(nl.body, r.record)).toBe(apiCatalog.localise(r.advice, 'nl').text);
      expect(advice(nl.body, r.record)).not.toBe(r.advice);
    }
  });

  it('another tenant gets the same 404 in either language', async () => {
    for (const lang of ['nl', 'en'])
      expect(await check(lang, otherToken)).toEqual({ status: 404, body: { error: 'not_found' } });
  });
});
