import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peppolCopyId } from '../../../src/pipeline/peppol/peppol-copy.js';
import { startFakePeppolAp, type FakePeppolAp } from '../../helpers/fake-peppol-ap.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { startSink, type Sink } from '../../helpers/sink.js';
import { api, arrived, madeTenantClient, queueIdOf, startSenderGateway } from '../../helpers/sender-harness.js';
import { expectNothingFor } from '../../helpers/wait-for.js';
import { recipientsOf, sendUbl, UBL } from './peppol-helpers.js';

const TOKEN = 'ap-token-tenant-one-0123456789';
const CUSTOMER = 'klant@customer.test';

/**
 * The egress rules as the operator leaves them by default: nothing inside the network, loopback
 * included, so the access point on 127.0.0.1 is out of reach for a tenant.
 */
describe('Peppol settings belong to one tenant; the access point obeys the egress rules', () => {
  let sink: Sink;
  let ap: FakePeppolAp;
  let gw: TestGateway;
  let other: { id: string; token: string; made: Awaited<ReturnType<typeof api>> };

  async function as(token: string, method: string, path: string, body?: unknown) {
    const res = await fetch(`http://127.0.0.1:${gw.gateway.httpPort}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, text: await res.text() };
  }

  beforeAll(async () => {
    sink = await startSink();
    ap = await startFakePeppolAp(TOKEN);
    gw = await startSenderGateway(sink.port, { delivery: { allowPrivateTargets: [] } });
    await api(gw, 'PUT', `/tenants/${gw.tenantId}/peppol`, { enabled: true, accessPointUrl: ap.baseUrl, token: TOKEN });
    await api(gw, 'POST', `/tenants/${gw.tenantId}/peppol/recipients`, {
      address: CUSTOMER,
      participantId: '0208:0987654321',
    });
    const made = await api(gw, 'POST', '/tenants', { name: 'Mallory BV' });
    const id = (made.body.tenant as { id: string }).id;
    const token = (await api(gw, 'POST', `/tenants/${id}/tokens`, {})).body.token as string;
    other = { id, token, made };
  });
  afterAll(async () => {
    await gw?.stop();
    await ap?.close();
    await sink?.close();
  });

  it("another tenant can neither read nor change nor use the first tenant's Peppol settings", async () => {
    const path = `/tenants/${gw.tenantId}/peppol`;
    expect((await as(other.token, 'GET', path)).status).toBe(404);
    expect((await as(other.token, 'PUT', path, { accessPointUrl: 'http://evil.test' })).status).toBe(404);
    const add = await as(other.token, 'POST', `${path}/recipients`, {
      address: 'x@y.test',
      participantId: '0208:1111111111',
    });
    expect(add.status).toBe(404);
    expect((await as(other.token, 'DELETE', `${path}/recipients/${CUSTOMER}`)).status).toBe(404);
    const own = await as(other.token, 'GET', `/tenants/${other.id}/peppol`);
    expect(own.status).toBe(200);
    expect(JSON.parse(own.text)).toMatchObject({ enabled: false, hasToken: false, recipients: [] });

    // The same customer, mailed by the other tenant: its Peppol delivery is off, nothing reaches any access point.
    const info = await madeTenantClient(gw, other.made).sendMail({
      from: 'billing@mallory.test',
      to: CUSTOMER,
      subject: 'Factuur M-1',
      text: 'Factuur\n',
      attachments: [{ filename: 'factuur.xml', content: UBL, contentType: 'application/xml' }],
    });
    const id = queueIdOf(info.response);
    await arrived(sink, id);
    await expectNothingFor(200, () => ap.submissions.length === 0, 'no Peppol submission');
    expect((await api(gw, 'GET', `/messages/${peppolCopyId(id)}`)).status).toBe(404);
  });

  it('bad input names the field: an id outside the scheme list, an enabled access point without a token', async () => {
    const bad = await api(gw, 'POST', `/tenants/${other.id}/peppol/recipients`, {
      address: CUSTOMER,
      participantId: '9999:123',
    });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.fields as object)).toEqual(['body.participantId']);
    const be = await api(gw, 'POST', `/tenants/${other.id}/peppol/recipients`, {
      address: CUSTOMER,
      participantId: '0208:12345',
    });
    expect((be.body.fields as Record<string, string[]>)['body.participantId']).toEqual([
      'a Belgian enterprise number has ten digits',
    ]);
    const noToken = await api(gw, 'PUT', `/tenants/${other.id}/peppol`, {
      enabled: true,
      accessPointUrl: 'https://ap.example.com/api',
    });
    expect(noToken.status).toBe(400);
    expect(Object.keys(noToken.body.fields as object)).toEqual(['body.token']);
    const notUrl = await api(gw, 'PUT', `/tenants/${other.id}/peppol`, { accessPointUrl: 'ftp://ap.example.com' });
    expect(Object.keys(notUrl.body.fields as object)).toEqual(['body.accessPointUrl']);
  });

  it('an access point inside the network is refused before any connection: failed, with the reason', async () => {
    const id = await sendUbl(gw, CUSTOMER);
    await arrived(sink, id);
    const [peppol] = await recipientsOf(gw, peppolCopyId(id), (r) => r[0]?.status === 'bounced');
    expect(peppol!.lastReply).toMatch(/^554 5\.4\.0 .*address not allowed/);
    expect(ap.submissions).toHaveLength(0);
    expect(ap.unauthorised).toBe(0);
  });
});
