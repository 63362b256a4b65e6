import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../../helpers/gateway-harness.js';

/**
 * The whole gateway, as main.ts builds it (sender, content, domain and tracking parts
 * included): every operation its OpenAPI document lists answers 401 without a token and
 * with a wrong one. The router-table sweep (api-v1-sweep) covers the non-API routes.
 * After 20 failed authentications from one address the API answers 429 instead (its
 * per-address limit, not configurable here): that is a refusal too, and carries no data.
 */
describe('every documented API operation of the running gateway needs a token', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway(1, {
      delivery: { mode: 'capture' },
      platform: { sendingDomain: 'mail.postbode.test' },
    });
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('refuses each operation without a token and with a wrong one (401, or 429 once rate-limited)', async () => {
    const base = `http://127.0.0.1:${gw.gateway.httpPort}/api/v1`;
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const PUBLIC_PATHS = new Set(['/openapi.json', '/docs']); // the documentation itself
    const operations = Object.entries(doc.paths)
      .filter(([path]) => !PUBLIC_PATHS.has(path))
      .flatMap(([path, methods]) => Object.keys(methods).map((m) => [m.toUpperCase(), path] as const));
    // tenants, credentials, tokens, messages, sender, content, domains, audit, queue, system
    expect(operations.length).toBeGreaterThanOrEqual(30);
    const statuses: number[] = [];
    for (const [method, path] of operations) {
      const url = base + path.replace(/\{[^}]+\}/g, '01M8G6YSSZ2WP4BQQ670DCMFAV');
      for (const authorization of [undefined, 'Bearer pb_01M8G6YSSZ2WP4BQQ670DCMFAV_wrong']) {
        const res = await fetch(url, {
          method,
          headers: { ...(authorization ? { authorization } : {}), 'content-type': 'application/json' },
          ...(method === 'GET' ? {} : { body: '{}' }),
        });
        const body = (await res.json()) as { error?: string };
        statuses.push(res.status);
        expect({ method, path, authorization: authorization ? 'wrong' : 'none', error: body.error }).toEqual({
          method,
          path,
          authorization: authorization ? 'wrong' : 'none',
          error: res.status === 429 ? 'rate_limited' : 'unauthorized',
        });
        expect([401, 429]).toContain(res.status);
      }
    }
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
  });

  it('documents every error answer of every operation with the Error body, 415 and 500 included', async () => {
    const doc = (await (await fetch(`http://127.0.0.1:${gw.gateway.httpPort}/api/v1/openapi.json`)).json()) as {
      paths: Record<
        string,
        Record<string, { responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }> }>
      >;
    };
    const problems: string[] = [];
    for (const [path, methods] of Object.entries(doc.paths)) {
      if (path === '/openapi.json' || path === '/docs') continue;
      for (const [method, op] of Object.entries(methods)) {
        for (const status of ['415', '500'])
          if (!op.responses[status]) problems.push(`${method} ${path}: ${status} not documented`);
        for (const [status, response] of Object.entries(op.responses)) {
          if (
            Number(status) >= 400 &&
            response.content?.['application/json']?.schema?.$ref !== '#/components/schemas/Error'
          ) {
            problems.push(`${method} ${path}: ${status} without the Error schema`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });
});
