import { createServer as createHttps, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postEvent } from '../../src/webhooks/http-post.js';
import { createTestCa, type TestCa } from '../helpers/test-ca.js';

/**
 * One webhook POST over real TLS to 127.0.0.1: the certificate is checked for the URL's host
 * name (SNI), the connection goes to the address the guard returned, redirects are failures,
 * and a host the guard refuses gets no connection at all.
 */
describe('webhook POST', () => {
  let ca: TestCa;
  let server: Server;
  let port: number;
  const seen: Array<{ host?: string; sig?: string; body: string }> = [];

  beforeAll(async () => {
    ca = await createTestCa();
    const leaf = await ca.issue(['hooks.erp.test']);
    server = createHttps({ cert: leaf.cert, key: leaf.key }, (req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        seen.push({ host: req.headers.host, sig: String(req.headers['webhook-signature']), body });
        if (req.url === '/moved') res.writeHead(302, { location: 'http://127.0.0.1/' });
        else res.writeHead(req.url === '/broken' ? 500 : 200);
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  const opts = (resolveHost = async () => ['127.0.0.1']) => ({
    resolveHost,
    timeoutMs: 3000,
    ca: [Buffer.from(ca.cert)],
  });

  it('posts over TLS checked for the URL’s host name, to the address the guard gave', async () => {
    const result = await postEvent(
      `https://hooks.erp.test:${port}/in`,
      '{"a":1}',
      { 'webhook-signature': 'v1,x' },
      opts(),
    );
    expect(result).toEqual({ ok: true, status: 200 });
    expect(seen.at(-1)).toEqual({ host: `hooks.erp.test:${port}`, sig: 'v1,x', body: '{"a":1}' });
  });

  it('fails on a certificate for another name, a redirect or a 500; never connects where refused', async () => {
    const wrongName = await postEvent(`https://other.erp.test:${port}/in`, '{}', {}, opts());
    expect(wrongName.ok).toBe(false);
    expect(wrongName.error).toMatch(/ERR_TLS_CERT_ALTNAME_INVALID/);
    expect(await postEvent(`https://hooks.erp.test:${port}/moved`, '{}', {}, opts())).toEqual({
      ok: false,
      status: 302,
      error: 'HTTP 302',
    });
    expect((await postEvent(`https://hooks.erp.test:${port}/broken`, '{}', {}, opts())).error).toBe('HTTP 500');
    const count = seen.length;
    const refused = await postEvent(
      `https://hooks.erp.test:${port}/in`,
      '{}',
      {},
      opts(async () => {
        throw Object.assign(new Error('address not allowed'), { code: 'ETARGET' });
      }),
    );
    expect(refused).toEqual({ ok: false, error: 'address not allowed' });
    expect(seen.length).toBe(count);
  });
});
