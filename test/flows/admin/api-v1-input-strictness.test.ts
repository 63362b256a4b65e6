import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { ADMIN, startSenderGateway } from '../../helpers/sender-harness.js';

/**
 * Bad input to the Config API of the running gateway gets a precise answer: bytes that are not
 * UTF-8, a local part over 64 octets, a body that is not JSON, a Content-Encoding that does
 * not hold, a bad path parameter. Every answer is one the OpenAPI document lists for its route,
 * with the Error schema.
 */
interface Answer {
  status: number;
  body: any;
  text: string;
}
interface Send {
  token?: string;
  body?: string | Buffer | object;
  headers?: Record<string, string>;
}

let gw: TestGateway;
let doc: any;
let a: { id: string; token: string };
let b: { id: string; token: string };
const seen: Array<{ method: string; path: string; status: number }> = [];

async function send(method: string, path: string, o: Send = {}): Promise<Answer> {
  const headers: Record<string, string> = { authorization: `Bearer ${o.token ?? ADMIN}`, ...o.headers };
  let payload: string | Buffer | undefined;
  if (typeof o.body === 'string' || Buffer.isBuffer(o.body)) payload = o.body;
  else if (o.body !== undefined) {
    payload = JSON.stringify(o.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(`http://127.0.0.1:${gw.gateway.httpPort}/api/v1${path}`, { method, headers, body: payload });
  const text = await res.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  seen.push({ method, path, status: res.status });
  return { status: res.status, body, text };
}

async function tenantWithToken(name: string): Promise<{ id: string; token: string }> {
  const made = await send('POST', '/tenants', { body: { name } });
  expect(made.status).toBe(201);
  const token = await send('POST', `/tenants/${made.body.tenant.id}/tokens`, { body: {} });
  expect(token.status).toBe(201);
  return { id: made.body.tenant.id, token: token.body.token };
}

/** `{ "name": "<prefix>\xff\xfe BV" }`: JSON whose string holds bytes that are not UTF-8. */
function notUtf8Json(field: string, prefix: string): Buffer {
  return Buffer.concat([Buffer.from(`{"${field}":"${prefix}`), Buffer.from([0xff, 0xfe]), Buffer.from(' BV"}')]);
}

beforeAll(async () => {
  gw = await startSenderGateway(1, { delivery: { mode: 'capture' } });
  doc = (await send('GET', '/openapi.json')).body;
  a = await tenantWithToken('Tenant A BV');
  b = await tenantWithToken('Tenant B BV');
});

afterAll(async () => {
  await gw?.stop();
});

describe('JSON bodies must be UTF-8', () => {
  it('refuses invalid UTF-8 with 400 naming the body, and stores nothing (no U+FFFD)', async () => {
    const res = await send('POST', '/tenants', {
      body: notUtf8Json('name', 'Kapot'),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      error: 'invalid_request',
      fields: { body: ['not valid UTF-8: JSON is sent as UTF-8'] },
      fieldCodes: { body: ['not_utf8'] },
    });
    const names = (await send('GET', '/tenants')).body.tenants.map((t: { name: string }) => t.name);
    expect(names.filter((n: string) => n.includes('\uFFFD') || n.startsWith('Kapot'))).toEqual([]);
  });

  it('refuses it from a tenant token on its own tenant too, and leaves the name as it was', async () => {
    const res = await send('PATCH', `/tenants/${b.id}`, {
      token: b.token,
      body: notUtf8Json('name', 'B'),
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    expect(res.status).toBe(400);
    expect(res.body.fields).toEqual({ body: ['not valid UTF-8: JSON is sent as UTF-8'] });
    expect((await send('GET', `/tenants/${b.id}`, { token: b.token })).body.name).toBe('Tenant B BV');
  });

  it('still takes real UTF-8, multi-byte characters included', async () => {
    const res = await send('PATCH', `/tenants/${b.id}`, { token: b.token, body: { name: 'Café Zoë – 株式会社' } });
    expect(res.status).toBe(200);
    expect(res.body.name).toBe('Café Zoë – 株式会社');
  });

  it('answers another charset with 415 saying to send UTF-8', async () => {
    const res = await send('PATCH', `/tenants/${b.id}`, {
      token: b.token,
      body: '{"name":"x"}',
      headers: { 'content-type': 'application/json; charset=latin1' },
    });
    expect(res.status).toBe(415);
    expect(res.body).toEqual({
      error: 'unsupported_media_type',
      message: 'charset latin1 is not supported: send JSON as UTF-8',
      messageCode: 'charset_unsupported',
    });
  });
});

describe('a local part over 64 octets (RFC 5321 4.5.3.1.1) is refused wherever an address is taken', () => {
  const long = `${'f'.repeat(65)}@example.com`;
  // 33 characters, 66 octets: octets count, not characters.
  const longUtf8 = `${'é'.repeat(33)}@example.com`;
  const reason = ['the part before the @ is longer than 64 octets (RFC 5321)'];

  it('in body fields, query parameters and path parameters, each under its own name', async () => {
    for (const address of [long, longUtf8]) {
      const sender = await send('PUT', `/tenants/${a.id}/sender`, { body: { replyTo: address } });
      expect(sender.status).toBe(400);
      expect(sender.body.fields).toEqual({ 'body.replyTo': reason });
      expect(
        (await send('PUT', `/tenants/${a.id}/sender`, { body: { accountantAddress: address } })).body.fields,
      ).toEqual({ 'body.accountantAddress': reason });
      expect((await send('POST', `/tenants/${a.id}/suppressions`, { body: { address } })).body.fields).toEqual({
        'body.address': reason,
      });
      expect((await send('POST', `/tenants/${a.id}/sender/test-send`, { body: { to: address } })).body.fields).toEqual({
        'body.to': reason,
      });
      expect(
        (await send('DELETE', `/tenants/${a.id}/suppressions/${encodeURIComponent(address)}`)).body.fields,
      ).toEqual({ 'params.address': reason });
      expect((await send('GET', `/messages?recipient=${encodeURIComponent(address)}`)).body.fields).toEqual({
        'query.recipient': reason,
      });
    }
    expect((await send('GET', `/tenants/${a.id}/suppressions`)).body.suppressions).toEqual([]);
  });

  it('accepts exactly 64 octets', async () => {
    const address = `${'f'.repeat(64)}@example.com`;
    expect((await send('POST', `/tenants/${a.id}/suppressions`, { body: { address } })).status).toBe(201);
    expect((await send('DELETE', `/tenants/${a.id}/suppressions/${encodeURIComponent(address)}`)).status).toBe(204);
  });

  it("refuses it from a tenant token as well, on its own tenant and on another's (400, nothing saved)", async () => {
    const own = await send('PUT', `/tenants/${b.id}/sender`, { token: b.token, body: { replyTo: long } });
    expect(own.status).toBe(400);
    expect(own.body.fields).toEqual({ 'body.replyTo': reason });
    const other = await send('POST', `/tenants/${a.id}/suppressions`, { token: b.token, body: { address: long } });
    expect(other.status).toBe(400);
    expect((await send('GET', `/tenants/${b.id}/sender`, { token: b.token })).body.replyTo).toBeUndefined();
  });
});

describe('a body that is not JSON is answered 415 unsupported_media_type', () => {
  it('for text/plain, a form, and no Content-Type at all; nothing is made', async () => {
    const before = (await send('GET', '/tenants')).body.tenants.length;
    const cases: Array<[Record<string, string>, string]> = [
      [{ 'content-type': 'text/plain' }, 'text/plain'],
      [{ 'content-type': 'application/x-www-form-urlencoded' }, 'application/x-www-form-urlencoded'],
      [{}, 'none'],
    ];
    for (const [headers, got] of cases) {
      const body = headers['content-type']?.includes('form') ? 'name=Form+BV' : Buffer.from('{"name":"Typeless BV"}');
      const res = await send('POST', '/tenants', { body, headers });
      expect(res.status).toBe(415);
      expect(res.body).toEqual({
        error: 'unsupported_media_type',
        messageCode: 'json_only',
        message: `send the body as JSON with Content-Type: application/json (got ${got})`,
      });
    }
    expect((await send('GET', '/tenants')).body.tenants.length).toBe(before);
  });

  it(
    'for a tenant token: on its own tenant, ' + "and on another tenant's route (which it cannot change either way)",
    async () => {
      const own = await send('PUT', `/tenants/${b.id}/sender`, {
        token: b.token,
        body: '{"displayName":"B"}',
        headers: { 'content-type': 'text/plain' },
      });
      expect(own.status).toBe(415);
      const other = await send('PUT', `/tenants/${a.id}/sender`, {
        token: b.token,
        body: '{"displayName":"Hijack"}',
        headers: { 'content-type': 'text/plain' },
      });
      expect(other.status).toBe(415);
      const json = await send('PUT', `/tenants/${a.id}/sender`, { token: b.token, body: { displayName: 'Hijack' } });
      expect(json.status).toBe(404);
      expect((await send('GET', `/tenants/${a.id}/sender`)).body.displayName).not.toBe('Hijack');
    },
  );

  it('a route that takes a body still works without one', async () => {
    const res = await send('POST', `/tenants/${b.id}/tokens`, { token: b.token });
    expect(res.status).toBe(201);
  });
});

describe('Content-Encoding', () => {
  it('decompresses real gzip, and answers gzip garbage with 400 saying what was wrong', async () => {
    const ok = await send('PATCH', `/tenants/${b.id}`, {
      token: b.token,
      body: gzipSync('{"name":"Gzip BV"}'),
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.name).toBe('Gzip BV');
    const bad = await send('PATCH', `/tenants/${b.id}`, {
      token: b.token,
      body: Buffer.from('{"name":"not gzipped"}'),
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({
      error: 'bad_request',
      messageCode: 'not_decompressed',
      message: 'the body is not valid gzip data, as its Content-Encoding says it is: incorrect header check',
    });
    const truncated = gzipSync('{"name":"cut short"}').subarray(0, 15);
    const cut = await send('PATCH', `/tenants/${b.id}`, {
      token: b.token,
      body: truncated,
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    });
    expect(cut.status).toBe(400);
    expect(cut.body.message).toMatch(/^the body is not valid gzip data, as its Content-Encoding says it is: /);
    expect((await send('GET', `/tenants/${b.id}`, { token: b.token })).body.name).toBe('Gzip BV');
  });

  it('answers an unknown encoding with 415 naming it', async () => {
    const res = await send('PATCH', `/tenants/${b.id}`, {
      token: b.token,
      body: Buffer.from('xx'),
      headers: { 'content-type': 'application/json', 'content-encoding': 'compress' },
    });
    expect(res.status).toBe(415);
    expect(res.body).toEqual({
      error: 'unsupported_media_type',
      messageCode: 'encoding_unsupported',
      message: 'Content-Encoding compress is not supported: send the body as it is, or as gzip, deflate or br',
    });
  });

  it('answers in Dutch when asked, with the same codes', async () => {
    const res = await send('POST', '/tenants', {
      body: 'x',
      headers: { 'content-type': 'text/plain', 'accept-language': 'nl' },
    });
    expect(res.body).toEqual({
      error: 'unsupported_media_type',
      messageCode: 'json_only',
      message: 'stuur de inhoud als JSON met Content-Type: application/json (ontvangen: text/plain)',
    });
  });
});

describe('a bad path parameter is reported under its own name', () => {
  it('a domain that is no domain name: params.domain on every domain route, body.domain when adding', async () => {
    for (const [method, suffix] of [
      ['GET', ''],
      ['POST', '/check'],
      ['POST', '/rotate'],
      ['DELETE', ''],
    ] as const) {
      const res = await send(method, `/tenants/${a.id}/domains/not_a..domain${suffix}`);
      expect({ method, suffix, status: res.status }).toEqual({ method, suffix, status: 400 });
      expect(res.body.fields).toEqual({ 'params.domain': ['not_a..domain is not a domain name'] });
    }
    const add = await send('POST', `/tenants/${a.id}/domains`, { body: { domain: 'bad domain' } });
    expect(add.status).toBe(400);
    expect(add.body.fields).toEqual({ 'body.domain': ['bad domain is not a domain name'] });
  });

  it("a tenant token gets the same field error, on its own tenant and on another's", async () => {
    for (const id of [b.id, a.id]) {
      const res = await send('GET', `/tenants/${id}/domains/-x-`, { token: b.token });
      expect(res.status).toBe(400);
      expect(res.body.fields).toEqual({ 'params.domain': ['-x- is not a domain name'] });
    }
  });
});

describe('the OpenAPI document', () => {
  it('lists every answer these tests saw for its route, with the Error schema for errors', () => {
    const undocumented: string[] = [];
    for (const { method, path, status } of seen) {
      if (path === '/openapi.json') continue;
      const template = Object.keys(doc.paths).find((p) =>
        new RegExp(`^${p.replace(/\{\w+\}/g, '[^/]+')}$`).test(path.split('?')[0] ?? ''),
      );
      const response =
        template === undefined ? undefined : doc.paths[template][method.toLowerCase()]?.responses[String(status)];
      const isError = status >= 400;
      if (
        !response ||
        (isError && response.content?.['application/json']?.schema?.$ref !== '#/components/schemas/Error')
      ) {
        undocumented.push(`${method} ${template ?? path} ${status}`);
      }
    }
    expect(seen.length).toBeGreaterThan(40);
    expect([...new Set(undocumented)]).toEqual([]);
  });
});
