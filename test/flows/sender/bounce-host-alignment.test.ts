/**
 * Own-address mode with the bounce host (`bounces.<domain>` CNAME to the platform's bounce domain): offered and checked
 * with the other records, then used as the envelope sender, so SPF aligns with the From for DMARC; bounces to it still
 * reach the right tenant over the inbound MX, and another tenant's bounce host takes none of them.
 */
import { Resolver } from 'node:dns/promises';
import { authenticate } from 'mailauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { standardDsn } from '../../feedback/mail-fixtures.js';
import { startDnsServer, type DnsTestServer } from '../../helpers/dns-server.js';
import { publish, startDomainGateway, type PublishableRecord } from '../../helpers/domains-harness.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { logRecipient } from '../../helpers/message-log.js';
import { metricValue, sendToMx } from '../../helpers/mx-harness.js';
import { api, arrived, legacyClient, PLATFORM, queueIdOf } from '../../helpers/sender-harness.js';
import { startSink, type Sink } from '../../helpers/sink.js';
import { waitFor } from '../../helpers/wait-for.js';

interface DomainBody {
  status: string;
  bounceHost?: { name: string; target: string; verified: boolean };
  records: Array<PublishableRecord & { value: string }>;
  lastCheck?: { records: Array<{ record: string; status: string }>; dmarcAligned: { spf: boolean; dkim: boolean } };
}

const SPF = [['v=spf1 ip4:127.0.0.1 -all']];

describe('bounce host: SPF aligned in own-address mode, bounces still come home', () => {
  let sink: Sink;
  let dns: DnsTestServer;
  let gw: TestGateway;

  beforeAll(async () => {
    sink = await startSink();
    dns = await startDnsServer({
      [`_spf.${PLATFORM.sendingDomain}`]: { TXT: SPF },
      [PLATFORM.bounceDomain]: { TXT: SPF },
    });
    gw = await startDomainGateway(sink.port, dns, 0);
  });
  afterAll(async () => {
    await gw?.stop();
    await dns?.close();
    await sink?.close();
  });

  async function verifiedDomain(tenantId: string, domain: string, cname: boolean): Promise<DomainBody> {
    const added = (await api(gw, 'POST', `/tenants/${tenantId}/domains`, { domain })).body as unknown as DomainBody;
    publish(dns, added.records);
    dns.set(`_dmarc.${domain}`, { TXT: [['v=DMARC1; p=reject']] });
    if (cname) dns.set(`bounces.${domain}`, { CNAME: PLATFORM.bounceDomain });
    return (await api(gw, 'POST', `/tenants/${tenantId}/domains/${domain}/check`)).body as unknown as DomainBody;
  }

  async function send(to: string) {
    const info = await legacyClient(gw).sendMail({ from: 'billing@legacy.test', to, subject: 'Factuur 7', text: 'Hi' });
    const id = queueIdOf(info.response);
    const [got] = await arrived(sink, id);
    return { id, from: got!.envelope.from, raw: got!.raw };
  }

  /** mailauth's full check (SPF for the envelope sender from 127.0.0.1, DKIM, DMARC) against the test zone. */
  async function authenticated(raw: Buffer, sender: string) {
    const resolver = new Resolver();
    resolver.setServers([dns.address]);
    const resolve = (name: string, rr: string) => resolver.resolve(name, rr) as Promise<never>;
    const result = await authenticate(raw, { ip: '127.0.0.1', helo: 'postbode.test', sender, resolver: resolve });
    return result.dmarc as { status: { result: string }; alignment: { spf: { result: unknown } } };
  }

  it('offers the CNAME among the records; without it the envelope sender stays on the platform domain', async () => {
    const checked = await verifiedDomain(gw.tenantId, 'acme.test', false);
    expect(checked.status).toBe('active');
    expect(checked.records.find((r) => r.type === 'CNAME')).toMatchObject({
      name: 'bounces.acme.test',
      value: PLATFORM.bounceDomain,
      action: 'create',
    });
    expect(checked.lastCheck!.records.find((r) => r.record === 'return-path')?.status).toBe('missing');
    expect(checked.bounceHost).toEqual({ name: 'bounces.acme.test', target: PLATFORM.bounceDomain, verified: false });

    expect(
      (await api(gw, 'PUT', `/tenants/${gw.tenantId}/sender`, { mode: 'own-address', ownAddress: 'f@acme.test' }))
        .status,
    ).toBe(200);
    const sent = await send('jan@customer.test');
    expect(sent.from).toMatch(new RegExp(`^bounces\\+.+@${PLATFORM.bounceDomain.replace(/\./g, '\\.')}$`));
    const dmarc = await authenticated(sent.raw, sent.from);
    expect(dmarc.status.result).toBe('pass'); // DKIM alone
    expect(dmarc.alignment.spf.result).toBeFalsy();
  });

  it('once the CNAME verifies, mail leaves from bounces.acme.test: SPF passes and aligns (mailauth)', async () => {
    dns.set('bounces.acme.test', { CNAME: PLATFORM.bounceDomain });
    const checked = (await api(gw, 'POST', `/tenants/${gw.tenantId}/domains/acme.test/check`))
      .body as unknown as DomainBody;
    expect(checked.bounceHost?.verified).toBe(true);
    expect(checked.records.find((r) => r.type === 'CNAME')?.action).toBe('keep');
    expect(checked.lastCheck!.dmarcAligned).toMatchObject({ spf: true, dkim: true });

    const sent = await send('jan@customer.test');
    expect(sent.from).toMatch(/^bounces\+[a-z0-9-]+@bounces\.acme\.test$/);
    const dmarc = await authenticated(sent.raw, sent.from);
    expect(dmarc.status.result).toBe('pass');
    expect(dmarc.alignment.spf.result).toBe('bounces.acme.test'); // relaxed: same organisational domain as the From
  });

  it('a DSN to the bounce host over the MX bounces the right recipient of the right tenant', async () => {
    const sent = await send('gone@customer.test');
    const dsn = standardDsn({
      to: sent.from,
      recipient: 'gone@customer.test',
      action: 'failed',
      status: '5.1.1',
      diagnostic: 'smtp; 550 5.1.1 user unknown',
    });
    expect((await sendToMx(gw, '', sent.from, dsn)).code).toBe(250);
    const r = await logRecipient(gw, sent.id, (x) => x.status === 'bounced', 'gone@customer.test');
    expect(r.history.at(-1)).toMatchObject({ outcome: 'bounced' });
  });

  it("another tenant's bounce host takes no bounce of this tenant's mail; unknown hosts are no relay", async () => {
    const other = await api(gw, 'POST', '/tenants', { name: 'Beta BV' });
    const otherId = (other.body.tenant as { id: string }).id;
    expect((await verifiedDomain(otherId, 'beta.test', true)).bounceHost?.verified).toBe(true);
    const sent = await send('kept@customer.test');
    const misdirected = sent.from.replace('@bounces.acme.test', '@bounces.beta.test');
    const forged = await metricValue(gw, 'postbode_mx_forged_bounces_total');
    const dsn = standardDsn({
      to: misdirected,
      recipient: 'kept@customer.test',
      action: 'failed',
      status: '5.1.1',
      diagnostic: 'smtp; 550 5.1.1 user unknown',
    });
    expect((await sendToMx(gw, '', misdirected, dsn)).code).toBe(250);
    await waitFor(async () =>
      (await metricValue(gw, 'postbode_mx_forged_bounces_total')) > forged ? true : undefined,
    );
    expect((await logRecipient(gw, sent.id, () => true, 'kept@customer.test')).status).toBe('delivered');
    const unknown = await sendToMx(gw, '', 'bounces+x@bounces.nobody.test', dsn).catch((e: Error) => e.message);
    expect(String(unknown)).toMatch(/550 5\.7\.1/);
  });
});
