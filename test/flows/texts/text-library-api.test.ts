import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { ADMIN, api, startSenderGateway } from '../../helpers/sender-harness.js';
import { startSink, type Sink } from '../../helpers/sink.js';

/** The text library over the real Config API: add, edit, remove, set default, starter texts, scoping, OpenAPI. */
describe('text library API', () => {
  let sink: Sink;
  let gw: TestGateway;
  let base: string;
  let otherToken: string;
  let otherId: string;

  async function asToken(token: string, method: string, path: string, body?: unknown) {
    const res = await fetch(`http://127.0.0.1:${gw.gateway.httpPort}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  beforeAll(async () => {
    sink = await startSink();
    gw = await startSenderGateway(sink.port);
    base = `/tenants/${gw.tenantId}`;
    const other = await api(gw, 'POST', '/tenants', { name: 'Andere Zaak' });
    otherId = (other.body.tenant as { id: string }).id;
    otherToken = (await api(gw, 'POST', `/tenants/${otherId}/tokens`, {})).body.token as string;
  });
  afterAll(async () => {
    await gw?.stop();
    await sink?.close();
  });

  it('starts empty; the starter texts are added once, as defaults, and never overwrite', async () => {
    const empty = await api(gw, 'GET', `${base}/texts`);
    expect(empty.status).toBe(200);
    expect(empty.body).toMatchObject({ texts: [], defaults: {}, enabled: false });
    const own = { documentType: 'invoice', variants: { nl: 'Beste %client-name%,\n\nEIGEN factuurtekst.' } };
    expect((await api(gw, 'PUT', `${base}/texts/invoice`, own)).status).toBe(200);
    const first = await api(gw, 'POST', `${base}/starter-texts`);
    expect(first.status).toBe(200);
    expect(first.body.added).toEqual(['credit-note', 'quote', 'order', 'reminder', 'reminder-2', 'document']);
    expect(first.body.defaults).toEqual({
      'credit-note': 'credit-note',
      quote: 'quote',
      order: 'order',
      reminder: 'reminder',
      other: 'document',
    });
    const invoice = await api(gw, 'GET', `${base}/texts/invoice`);
    expect((invoice.body.variants as Record<string, string>).nl).toContain('EIGEN');
    expect((await api(gw, 'POST', `${base}/starter-texts`)).body.added).toEqual([]);
  });

  it('PUT a text: unknown variables answer 400 naming the language field', async () => {
    const bad = await api(gw, 'PUT', `${base}/texts/herinnering-2`, {
      documentType: 'reminder',
      variants: { nl: 'Betaal %factuurbedrag% nu.', fr: 'Payez.' },
    });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.fields as object)).toEqual(['body.variants.nl']);
    expect(JSON.stringify(bad.body)).toContain('%factuurbedrag%');
    const wrongType = await api(gw, 'PUT', `${base}/texts/x`, { documentType: 'brief', variants: { nl: 'x' } });
    expect(Object.keys(wrongType.body.fields as object)).toEqual(['body.documentType']);
    const noVariant = await api(gw, 'PUT', `${base}/texts/x`, { variants: {} });
    expect(Object.keys(noVariant.body.fields as object)).toEqual(['body.variants']);
    expect((await api(gw, 'GET', `${base}/texts/herinnering-2`)).status).toBe(404);
  });

  it('set a default, refuse to remove it (409), remove once another is the default', async () => {
    const variants = { nl: 'Beste %client-name%,\n\nTweede herinnering voor %document-number%.' };
    const put = await api(gw, 'PUT', `${base}/texts/herinnering-2`, { documentType: 'reminder', variants });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ name: 'herinnering-2', documentType: 'reminder', defaultFor: [] });
    const set = await api(gw, 'PUT', `${base}/text-defaults/reminder`, { name: 'herinnering-2' });
    expect(set.status).toBe(200);
    expect((set.body.defaults as Record<string, string>).reminder).toBe('herinnering-2');
    const content = await api(gw, 'GET', `${base}/content`);
    expect((content.body.settings as { body: Record<string, string> }).body.reminder).toBe('replace');
    const refused = await api(gw, 'DELETE', `${base}/texts/herinnering-2`);
    expect(refused.status).toBe(409);
    expect(refused.body.message).toContain('default for reminder');
    const dutch = await fetch(`http://127.0.0.1:${gw.gateway.httpPort}/api/v1${base}/texts/herinnering-2`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${ADMIN}`, 'accept-language': 'nl' },
    });
    expect(await dutch.json()).toMatchObject({ messageCode: 'text_is_default' });
    const unknown = await api(gw, 'PUT', `${base}/text-defaults/reminder`, { name: 'bestaat-niet' });
    expect(unknown.status).toBe(400);
    expect(Object.keys(unknown.body.fields as object)).toEqual(['body.name']);
    expect((await api(gw, 'PUT', `${base}/text-defaults/reminder`, { name: 'reminder' })).status).toBe(200);
    expect((await api(gw, 'DELETE', `${base}/texts/herinnering-2`)).status).toBe(204);
    expect((await api(gw, 'GET', `${base}/texts/herinnering-2`)).status).toBe(404);
    const unset = await api(gw, 'DELETE', `${base}/text-defaults/order`);
    expect((unset.body.defaults as Record<string, string>).order).toBeUndefined();
    const after = await api(gw, 'GET', `${base}/content`);
    expect((after.body.settings as { body: Record<string, string> }).body.order).toBe('keep');
  });

  it("a second tenant's token cannot read or change this library (404), and has its own", async () => {
    expect((await asToken(otherToken, 'GET', `${base}/texts`)).status).toBe(404);
    expect((await asToken(otherToken, 'GET', `${base}/texts/invoice`)).status).toBe(404);
    const put = await asToken(otherToken, 'PUT', `${base}/texts/invoice`, { variants: { nl: 'overgenomen' } });
    expect(put.status).toBe(404);
    expect((await asToken(otherToken, 'DELETE', `${base}/text-defaults/invoice`)).status).toBe(404);
    expect((await asToken(otherToken, 'POST', `${base}/starter-texts`)).status).toBe(404);
    const own = await asToken(otherToken, 'GET', `/tenants/${otherId}/texts`);
    expect(own).toMatchObject({ status: 200, body: { texts: [] } });
    const invoice = await api(gw, 'GET', `${base}/texts/invoice`);
    expect((invoice.body.variants as Record<string, string>).nl).toContain('EIGEN');
  });

  it('the OpenAPI document describes the routes', async () => {
    const res = await fetch(`http://127.0.0.1:${gw.gateway.httpPort}/api/v1/openapi.json`);
    const doc = (await res.json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths['/tenants/{id}/texts/{name}'] ?? {}).sort()).toEqual(['delete', 'get', 'put']);
    expect(Object.keys(doc.paths['/tenants/{id}/text-defaults/{type}'] ?? {}).sort()).toEqual(['delete', 'put']);
    expect(doc.paths['/tenants/{id}/starter-texts']?.post).toBeDefined();
  });
});
