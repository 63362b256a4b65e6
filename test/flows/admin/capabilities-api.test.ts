import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { api, startSenderGateway } from '../../helpers/sender-harness.js';
import { startSink, type Sink } from '../../helpers/sink.js';

/** GET /capabilities on a gateway without a Google client: what the settings page builds its choices from. */
describe('GET /api/v1/capabilities', () => {
  let sink: Sink;
  let gw: TestGateway;
  const base = (): string => `http://127.0.0.1:${gw.gateway.httpPort}/api/v1`;
  const asToken = async (token: string | undefined, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base()}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const tokenFor = async (tenantId: string): Promise<string> =>
    String((await api(gw, 'POST', `/tenants/${tenantId}/tokens`, {})).body.token);

  beforeAll(async () => {
    sink = await startSink();
    gw = await startSenderGateway(sink.port);
  });
  afterAll(async () => {
    await gw?.stop();
    await sink?.close();
  });

  it(
    'tells every tenant the same: no Gmail mode without a Google client, the forwarding domain, the client trace ' +
      'stripped',
    async () => {
      const other = (await api(gw, 'POST', '/tenants', { name: 'Tweede BV' })).body.tenant as { id: string };
      const [a, b] = await Promise.all([tokenFor(gw.tenantId), tokenFor(other.id)]);
      const fromA = await asToken(a, 'GET', '/capabilities');
      expect(fromA.status).toBe(200);
      expect(fromA.body).toEqual({
        senderModes: ['forwarding', 'own-address', 'own-smtp'],
        gmail: false,
        microsoft365: false,
        ownAddress: true,
        ownSmtp: true,
        openTracking: true,
        openTrackingModes: ['forwarding', 'own-address'],
        forwardingDomain: 'send.postbode.test',
        keepClientTrace: false,
      });
      // No tenant data in it: the second tenant gets the very same answer, the admin too.
      expect((await asToken(b, 'GET', '/capabilities')).body).toEqual(fromA.body);
      expect((await api(gw, 'GET', '/capabilities')).body).toEqual(fromA.body);
      expect((await asToken(undefined, 'GET', '/capabilities')).status).toBe(401);
      // What the answer says is what the API does: the second tenant cannot link or choose Gmail.
      expect((await asToken(b, 'POST', `/tenants/${other.id}/gmail/link`, {})).status).toBe(409);
      expect((await asToken(b, 'PUT', `/tenants/${other.id}/sender`, { mode: 'gmail' })).status).toBe(409);
      expect((await asToken(b, 'POST', `/tenants/${other.id}/microsoft365/link`, {})).status).toBe(409);
      expect((await asToken(b, 'PUT', `/tenants/${other.id}/sender`, { mode: 'microsoft365' })).status).toBe(409);
    },
  );

  it('is in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${base()}/openapi.json`)).json()) as {
      paths: Record<string, { get?: { responses: Record<string, unknown> } }>;
    };
    expect(doc.paths['/capabilities']?.get?.responses['200']).toBeDefined();
  });
});
