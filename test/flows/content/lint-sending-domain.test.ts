import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer, type DnsTestServer } from '../../helpers/dns-server.js';
import { publish, startDomainGateway, type PublishableRecord } from '../../helpers/domains-harness.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { api, arrived, legacyClient, PLATFORM, queueIdOf } from '../../helpers/sender-harness.js';
import { startSink, type Sink } from '../../helpers/sink.js';

/**
 * The spam lint's link rule ("links only to the domain of the sending address") compares with
 * the domain the mail actually leaves from: the platform domain in forwarding mode and in
 * own-address mode until the domain is verified, the own domain after. The same answer in the
 * content settings' advice, the preview and the message log of a sent message.
 */
const TEXT = [
  'Beste %client-name%,',
  '',
  'In bijlage vindt u factuur %document-number% voor de geleverde broden en gebak in maart.',
  'Betalen kan ook online: https://www.acme.test/betalen',
  'Onze voorwaarden staten op https://send.postbode.test/voorwaarden',
  'Hebt u een vraag over deze factuur? Antwoord gewoon op deze e-mail.',
  '',
  'Bedankt voor uw vertrouwen,',
  'Acme',
].join('\n');
const CONTENT = {
  enabled: true,
  texts: { Facturen: { nl: TEXT } },
  defaultTexts: { invoice: 'Facturen' },
  body: { invoice: 'replace' },
};
const PREVIEW = { variables: { 'client-name': 'Jan' }, language: 'nl', documentType: 'invoice' };

interface Warning {
  field?: string;
  rule: string;
  message: string;
}
/** The hosts the link rule complained about, each with the domain it named. */
function foreignLinks(warnings: readonly Warning[]): string[] {
  return warnings.filter((w) => w.rule === 'foreign-link').map((w) => w.message);
}

describe('spam lint: links compared with the domain the mail leaves from', () => {
  let sink: Sink;
  let dns: DnsTestServer;
  let gw: TestGateway;
  const content = (tenantId: string) => `/tenants/${tenantId}/content`;

  /** The link advice of the settings view, of the preview and (when `send`) of the message log. */
  async function advice(tenantId: string): Promise<{ settings: string[]; preview: string[] }> {
    const view = await api(gw, 'GET', content(tenantId));
    const preview = await api(gw, 'POST', `${content(tenantId)}/preview`, PREVIEW);
    expect(preview.status).toBe(200);
    return {
      settings: foreignLinks(view.body.warnings as Warning[]),
      preview: foreignLinks(preview.body.warnings as Warning[]),
    };
  }
  async function sentLint(): Promise<string[]> {
    const info = await legacyClient(gw).sendMail({
      from: 'billing@legacy.test',
      to: 'jan@customer.test',
      subject: 'Factuur 2026-0042',
      text: 'Beste Jan,\nIn de bijlage de factuur.\n',
    });
    const id = queueIdOf(info.response);
    await arrived(sink, id);
    const note = (await api(gw, 'GET', `/messages/${id}`)).body.content as { lint: Warning[] } | undefined;
    if (!note) throw new Error('no content note in the message log');
    return foreignLinks(note.lint);
  }

  const onPlatform = [`link to www.acme.test, not to the sending domain ${PLATFORM.sendingDomain}`];
  const onOwn = [`link to ${PLATFORM.sendingDomain}, not to the sending domain acme.test`];

  beforeAll(async () => {
    sink = await startSink();
    dns = await startDnsServer({ [`_spf.${PLATFORM.sendingDomain}`]: { TXT: [['v=spf1 ip4:127.0.0.1 -all']] } });
    gw = await startDomainGateway(sink.port, dns, 60_000);
    expect((await api(gw, 'PUT', content(gw.tenantId), CONTENT)).status).toBe(200);
  });
  afterAll(async () => {
    await gw?.stop();
    await dns?.close();
    await sink?.close();
  });

  it('forwarding mode, and own-address mode before the domain is verified: the platform domain', async () => {
    expect(await advice(gw.tenantId)).toEqual({ settings: onPlatform, preview: onPlatform });
    expect(await sentLint()).toEqual(onPlatform);
    expect((await api(gw, 'POST', `/tenants/${gw.tenantId}/domains`, { domain: 'acme.test' })).status).toBe(201);
    const own = await api(gw, 'PUT', `/tenants/${gw.tenantId}/sender`, {
      mode: 'own-address',
      ownAddress: 'facturen@acme.test',
    });
    expect(own.status).toBe(200);
    // Pending: the mail still leaves from the platform address, so that is the domain to link to.
    expect(await advice(gw.tenantId)).toEqual({ settings: onPlatform, preview: onPlatform });
    expect(await sentLint()).toEqual(onPlatform);
  });

  it('own-address mode with the domain verified: its own domain, in the advice and at send time', async () => {
    const added = await api(gw, 'GET', `/tenants/${gw.tenantId}/domains/acme.test`);
    publish(dns, added.body.records as PublishableRecord[]);
    const checked = await api(gw, 'POST', `/tenants/${gw.tenantId}/domains/acme.test/check`);
    expect(checked.body.status).toBe('active');
    expect(await advice(gw.tenantId)).toEqual({ settings: onOwn, preview: onOwn });
    expect(await sentLint()).toEqual(onOwn);
  });

  it("a second tenant gets no say from the first one's verified domain: its links to it are foreign", async () => {
    const made = await api(gw, 'POST', '/tenants', { name: 'Other BV', smtpUsername: 'other-lint' });
    expect(made.status).toBe(201);
    const other = (made.body.tenant as { id: string }).id;
    expect((await api(gw, 'PUT', content(other), CONTENT)).status).toBe(200);
    const claim = await api(gw, 'PUT', `/tenants/${other}/sender`, {
      mode: 'own-address',
      ownAddress: 'facturen@acme.test',
    });
    expect(claim.status).toBe(409);
    expect(await advice(other)).toEqual({ settings: onPlatform, preview: onPlatform });
  });
});
