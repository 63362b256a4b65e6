import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer, type DnsTestServer } from '../../helpers/dns-server.js';
import { startDomainGateway } from '../../helpers/domains-harness.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { api } from '../../helpers/sender-harness.js';
import { startSink, type Sink } from '../../helpers/sink.js';

interface Answer {
  status: number;
  body: Record<string, unknown>;
}
interface Warning {
  field: string;
  rule: string;
  message: string;
}

/**
 * Settings that would silently do nothing: open tracking that adds no pixel (layout "none",
 * own-SMTP mode) is kept with a warning and reported as not in force; own-address mode for a
 * domain the tenant never added is refused naming body.ownAddress. Real gateway, API and DNS server.
 */
describe('settings combinations that would do nothing', () => {
  let platform: Sink;
  let tenantServer: Sink;
  let dns: DnsTestServer;
  let gw: TestGateway;
  let other: { id: string; token: string };

  beforeAll(async () => {
    platform = await startSink();
    tenantServer = await startSink();
    dns = await startDnsServer({});
    gw = await startDomainGateway(platform.port, dns, 0);
    const made = await api(gw, 'POST', '/tenants', { name: 'Other BV' });
    const id = (made.body.tenant as { id: string }).id;
    other = { id, token: (await api(gw, 'POST', `/tenants/${id}/tokens`, {})).body.token as string };
  });
  afterAll(async () => {
    await gw?.stop();
    await dns?.close();
    await Promise.all([platform?.close(), tenantServer?.close()]);
  });

  const content = (id = gw.tenantId): string => `/tenants/${id}/content`;
  const sender = (id = gw.tenantId): string => `/tenants/${id}/sender`;
  async function asOther(method: string, path: string, body?: unknown): Promise<Answer> {
    const res = await fetch(`http://127.0.0.1:${gw.gateway.httpPort}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${other.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
  }
  const trackingWarnings = (body: Record<string, unknown>): Warning[] =>
    (body.warnings as Warning[]).filter((w) => w.field === 'openTracking');

  it('open tracking with layout "none" is saved with a warning and reported as not in force', async () => {
    const saved = await api(gw, 'PUT', content(), { enabled: true, layout: 'none', openTracking: true });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ openTrackingInForce: false, settings: { openTracking: true, layout: 'none' } });
    expect(trackingWarnings(saved.body)).toEqual([
      expect.objectContaining({ rule: 'tracking-layout-none', message: expect.stringMatching(/layout "none"/) }),
    ]);
    expect((await api(gw, 'GET', content())).body).toMatchObject({ openTrackingInForce: false });

    const withLayout = await api(gw, 'PUT', content(), { enabled: true, layout: 'default', openTracking: true });
    expect(withLayout.body.openTrackingInForce).toBe(true);
    expect(trackingWarnings(withLayout.body)).toEqual([]);
    // rendering off: legacy HTML goes out as it came, with the pixel, whatever layout is stored
    expect(
      (await api(gw, 'PUT', content(), { enabled: false, layout: 'none', openTracking: true })).body
        .openTrackingInForce,
    ).toBe(true);
    // another tenant's view is its own: nothing of this tenant's tracking shows there
    const theirs = await asOther('GET', content(other.id));
    expect(theirs.status).toBe(200);
    expect(theirs.body).toMatchObject({ openTrackingInForce: false, settings: { openTracking: false } });
    expect((await asOther('PUT', content(), { enabled: true, openTracking: false })).status).toBe(404);
  });

  it(
    'switching to own-SMTP mode: tracking stays stored but the content view shows it is not in force; back in ' +
      'forwarding it is again',
    async () => {
      expect(
        (await api(gw, 'PUT', content(), { enabled: true, layout: 'default', openTracking: true })).body
          .openTrackingInForce,
      ).toBe(true);
      expect(
        (
          await api(gw, 'PUT', sender(), {
            smtp: { host: '127.0.0.1', port: tenantServer.port, tls: 'opportunistic', rejectUnauthorized: false },
          })
        ).status,
      ).toBe(200);
      expect((await api(gw, 'POST', `${sender()}/test-send`, { to: 'check@acme.test' })).body).toMatchObject({
        ok: true,
      });
      expect((await api(gw, 'PUT', sender(), { mode: 'own-smtp' })).status).toBe(200);

      const view = await api(gw, 'GET', content());
      expect(view.body).toMatchObject({ openTrackingInForce: false, settings: { openTracking: true } });
      expect(trackingWarnings(view.body)).toEqual([expect.objectContaining({ rule: 'tracking-own-smtp' })]);
      // saving the same settings again is not refused: the answer says the same
      const resaved = await api(gw, 'PUT', content(), { enabled: true, openTracking: true });
      expect(resaved.status).toBe(200);
      expect(resaved.body.openTrackingInForce).toBe(false);

      expect((await api(gw, 'PUT', sender(), { mode: 'forwarding' })).status).toBe(200);
      expect((await api(gw, 'GET', content())).body.openTrackingInForce).toBe(true);
    },
  );

  it(
    "own-address mode for a domain never added is refused naming body.ownAddress; another tenant's pending domain " +
      'does not count',
    async () => {
      const never = await api(gw, 'PUT', sender(), { mode: 'own-address', ownAddress: 'facturen@never-added.test' });
      expect(never.status).toBe(400);
      expect(never.body).toMatchObject({
        error: 'invalid_request',
        fields: { 'body.ownAddress': [expect.stringMatching(/domain/)] },
      });
      expect((await api(gw, 'GET', sender())).body.mode).toBe('forwarding');

      expect((await api(gw, 'POST', `/tenants/${gw.tenantId}/domains`, { domain: 'acme.test' })).status).toBe(201);
      const pending = await api(gw, 'PUT', sender(), { mode: 'own-address', ownAddress: 'Facturen@Acme.Test' });
      expect(pending.status).toBe(200);
      expect(pending.body.mode).toBe('own-address');

      // The other tenant has not added acme.test: the mode is refused for it, whoever has the domain pending.
      const squat = await asOther('PUT', sender(other.id), { mode: 'own-address', ownAddress: 'facturen@acme.test' });
      expect(squat.status).toBe(400);
      expect(squat.body).toMatchObject({ fields: { 'body.ownAddress': [expect.any(String)] } });
      expect(JSON.stringify(squat.body)).not.toContain(gw.tenantId);
      expect((await asOther('GET', sender(other.id))).body.mode).toBe('forwarding');
    },
  );
});
