import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer, type DnsTestServer } from '../../helpers/dns-server.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { api, PLATFORM } from '../../helpers/sender-harness.js';
import { startSink, type Sink } from '../../helpers/sink.js';
import { publish, startDomainGateway, type PublishableRecord } from '../../helpers/domains-harness.js';

interface Answer {
  status: number;
  text: string;
  body: Record<string, unknown>;
}
interface Tenant {
  id: string;
  token: string;
}

const SPF_INCLUDE = `_spf.${PLATFORM.sendingDomain}`;
const NOT_AVAILABLE = {
  error: 'not_available',
  message: 'this domain is not available: it is in use by another account',
  messageCode: 'domain_not_available',
};

/**
 * Domains: a pending claim blocks nobody; ownership goes to the first tenant whose own DKIM
 * records verify; after that nobody else activates or adds the domain, and the answer names
 * nobody. The platform's domains are never a tenant's. Real gateway, API and DNS server.
 */
describe('domain claims: the first to prove a domain owns it', () => {
  let sink: Sink;
  let dns: DnsTestServer;
  let gw: TestGateway;
  let owner: Tenant;
  let squatter: Tenant;
  let latecomer: Tenant;

  async function call(t: Tenant, method: string, path: string, body?: unknown): Promise<Answer> {
    const res = await fetch(`http://127.0.0.1:${gw.gateway.httpPort}/api/v1/tenants/${t.id}${path}`, {
      method,
      headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, text, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
  }

  async function tokenFor(id: string): Promise<Tenant> {
    const tok = await api(gw, 'POST', `/tenants/${id}/tokens`, {});
    expect(tok.status).toBe(201);
    return { id, token: tok.body.token as string };
  }

  async function newTenant(name: string): Promise<Tenant> {
    const made = await api(gw, 'POST', '/tenants', { name });
    expect(made.status).toBe(201);
    return tokenFor((made.body.tenant as { id: string }).id);
  }

  /** The answer tells nothing about who holds the domain. */
  function namesNobody(answer: Answer): void {
    for (const secret of [owner.id, gw.user, 'Acme Facturatie']) expect(answer.text).not.toContain(secret);
  }

  beforeAll(async () => {
    sink = await startSink();
    dns = await startDnsServer({ [SPF_INCLUDE]: { TXT: [['v=spf1 ip4:127.0.0.1 -all']] } });
    gw = await startDomainGateway(sink.port, dns, 0);
    owner = await tokenFor(gw.tenantId);
    squatter = await newTenant('Squatter BV');
    latecomer = await newTenant('Latecomer BV');
  });
  afterAll(async () => {
    await gw?.stop();
    await dns?.close();
    await sink?.close();
  });

  it(
    'a pending claim by another tenant does not block the real owner, ' + 'who proves the domain and activates it',
    async () => {
      expect((await call(squatter, 'POST', '/domains', { domain: 'acme.test' })).status).toBe(201);
      const added = await call(owner, 'POST', '/domains', { domain: 'Acme.Test' });
      expect(added.status).toBe(201);
      expect(added.body.status).toBe('pending');
      publish(dns, added.body.records as PublishableRecord[]);
      const checked = await call(owner, 'POST', '/domains/acme.test/check');
      expect(checked.status).toBe(200);
      expect(checked.body.status).toBe('active');
    },
  );

  it('the other claim can no longer activate: its check answers 409 not_available, naming nobody', async () => {
    const check = await call(squatter, 'POST', '/domains/acme.test/check');
    expect(check.status).toBe(409);
    expect(check.body).toEqual(NOT_AVAILABLE);
    namesNobody(check);
    expect((await call(squatter, 'GET', '/domains/acme.test')).body.status).toBe('pending');
  });

  it('adding a domain another tenant has active answers 409 not_available, naming nobody', async () => {
    for (const spelling of ['ACME.test.', ' ａｃｍｅ.test']) {
      const add = await call(latecomer, 'POST', '/domains', { domain: spelling });
      expect(add.status, spelling).toBe(409);
      expect(add.body).toEqual(NOT_AVAILABLE);
      namesNobody(add);
    }
    expect((await call(latecomer, 'GET', '/domains')).body.domains).toEqual([]);
  });

  it(
    "an own address or reply address on another tenant's domain or the platform's cannot be saved, and the " +
      'answer names nobody',
    async () => {
      const tries = [
        { ownAddress: 'facturen@acme.test' },
        { replyTo: 'Boekhouding@ACME.test' },
        { replyTo: 'x@mail.acme.test' },
        { replyTo: `someone@${PLATFORM.sendingDomain}` },
        { ownAddress: `facturen@${PLATFORM.bounceDomain}` },
      ];
      for (const body of tries) {
        const put = await call(latecomer, 'PUT', '/sender', body);
        expect(put.status, JSON.stringify(body)).toBe(409);
        expect(put.body.error).toBe('not_available');
        namesNobody(put);
      }
      // The owner itself may use its domain, and anyone a domain nobody owns.
      expect((await call(owner, 'PUT', '/sender', { replyTo: 'boekhouding@acme.test' })).status).toBe(200);
      expect((await call(latecomer, 'PUT', '/sender', { replyTo: 'office@latecomer.test' })).status).toBe(200);
    },
  );

  it("the platform's sending and bounce domains (and names under them) are never a tenant's", async () => {
    for (const domain of [PLATFORM.sendingDomain, PLATFORM.bounceDomain, `mail.${PLATFORM.sendingDomain}`]) {
      const add = await call(latecomer, 'POST', '/domains', { domain });
      expect(add.status, domain).toBe(409);
      expect(add.body, domain).toEqual(NOT_AVAILABLE);
    }
  });

  it('once the owner removes the domain, another claim may prove it', async () => {
    expect((await call(owner, 'DELETE', '/domains/acme.test')).status).toBe(204);
    const check = await call(squatter, 'POST', '/domains/acme.test/check');
    expect(check.status).toBe(200);
    // The owner's key is still in DNS, not the squatter's: it proves nothing for the squatter.
    expect(check.body.status).toBe('pending');
  });
});
