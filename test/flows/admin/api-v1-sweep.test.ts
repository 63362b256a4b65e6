import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenantToken } from '../../../src/admin/auth/token-service.js';
import { addTenant } from '../../../src/tenants/tenant-service.js';
import { startApiHarness, type ApiHarness } from '../../helpers/api-v1-harness.js';

/** The parts of Express 5's router (router 2.x) the sweep reads. */
interface Layer {
  readonly route?: { readonly path: string; readonly methods: Record<string, boolean> };
  readonly handle?: { readonly stack?: readonly Layer[] };
  readonly rawPath?: unknown;
}

/** Every route in the app, mounted routers included: `METHOD /full/path`. */
function routeTable(app: Express): string[] {
  const out: string[] = [];
  const walk = (stack: readonly Layer[], prefix: string, depth: number): void => {
    if (depth > 5) return;
    for (const layer of stack) {
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods))
          out.push(`${method.toUpperCase()} ${prefix}${layer.route.path}`);
      } else if (layer.handle?.stack) {
        walk(
          layer.handle.stack,
          `${prefix}${typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : ''}`,
          depth + 1,
        );
      }
    }
  };
  walk((app as unknown as { router: { stack: readonly Layer[] } }).router.stack, '', 0);
  return out;
}

/** Routes that answer without a token. Everything else must say 401. */
const PUBLIC = new Set([
  'GET /healthz',
  'GET /readyz',
  // Prometheus scrapes without credentials; the metrics carry counts only, no tenant data.
  'GET /metrics',
  'GET /api/v1/openapi.json',
  'GET /api/v1/docs',
  // The open-tracking pixel: anyone's mail client fetches it; a bad token records nothing.
  'GET /t/:token.gif',
  // The settings page (src/admin/web): a redirect, the static shell and its JS/CSS; they carry no data,
  // the page reads everything from /api/v1 with the user's token.
  'GET /',
  'GET /settings',
  'GET /settings/assets/:file',
  // Gmail mode's OAuth callback: Google sends the tenant's browser here; the single-use state authorises it.
  'GET /oauth/google/callback',
]);
/** Public routes that answer a bare request with something else than 200 (the OAuth callback wants code and state). */
const PUBLIC_STATUS: Readonly<Record<string, number>> = { 'GET /oauth/google/callback': 400 };
/** A real value for the public routes' parameters. */
const PUBLIC_SAMPLE: Readonly<Record<string, string>> = { ':file': 'app.js' };
/** The dev mailbox exists in capture mode only (it is never mounted when mail is relayed). */
const isDevMailbox = (route: string): boolean => / \/dev\/mailbox/.test(route);

const SAMPLE_ID = '01JD4T8X9M2C5V7B3N6K0QWERT';
const WRONG = 'pb_01JD4T8X9M2C5V7B3N6K0QWERT_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';

let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness({ limits: { authFailuresBurst: 10_000 } });
});

afterAll(async () => {
  await h?.close();
});

describe('router-table sweep', () => {
  it("finds the Config API routes in the app's router table", () => {
    const table = routeTable(h.app);
    expect(table).toContain('POST /api/v1/tenants');
    expect(table).toContain('DELETE /api/v1/tenants/:id/tokens/:tokenId');
    expect(table).toContain('GET /healthz');
    expect(table.filter((r) => r.includes('/api/v1/')).length).toBeGreaterThanOrEqual(20);
  });

  it('every route except the public ones answers 401 without a token and with a wrong one', async () => {
    const protectedRoutes = routeTable(h.app).filter((r) => !PUBLIC.has(r) && !isDevMailbox(r));
    expect(protectedRoutes.length).toBeGreaterThanOrEqual(18);
    for (const route of protectedRoutes) {
      const [method = 'GET', pattern = '/'] = route.split(' ');
      const path = pattern.replace(/:\w+/g, SAMPLE_ID);
      const body = method === 'GET' ? undefined : { name: 'x' };
      for (const token of [undefined, WRONG, h.adminToken.slice(0, -1)]) {
        const res = await h.call(method, path, { token, body });
        expect({ route, token: token === undefined ? 'none' : 'wrong', status: res.status }).toEqual({
          route,
          token: token === undefined ? 'none' : 'wrong',
          status: 401,
        });
        expect(res.body).toEqual({ error: 'unauthorized' });
      }
    }
  });

  it('the public routes really are public, and are exactly the documented list', async () => {
    const table = routeTable(h.app);
    for (const route of PUBLIC) {
      expect(table).toContain(route);
      const [method = 'GET', pattern = '/'] = route.split(' ');
      const path = pattern.replace(/:\w+$/, (p) => PUBLIC_SAMPLE[p] ?? p);
      expect((await h.call(method, path)).status).toBe(PUBLIC_STATUS[route] ?? 200);
    }
    expect((await h.call('GET', '/dev/mailbox')).status).toBe(200);
  });

  it('documents every protected API route in openapi.json, and nothing that does not exist', async () => {
    const doc = (await h.call('GET', '/api/v1/openapi.json')).body;
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} /api/v1${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    const served = routeTable(h.app).filter((r) => r.includes(' /api/v1/'));
    expect([...documented].sort()).toEqual([...served].sort());
  });
});

describe('OpenAPI document and reference page', () => {
  it('serves OpenAPI 3.1 generated from the zod schemas, with bearer security', async () => {
    const res = await h.call('GET', '/api/v1/openapi.json');
    expect(res.headers.get('content-type')).toContain('application/json');
    const doc = res.body;
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.security).toEqual([{ bearer: [] }]);
    const create = doc.paths['/tenants'].post;
    const schema = create.requestBody.content['application/json'].schema;
    const body = schema.$ref ? doc.components.schemas[schema.$ref.split('/').pop()] : schema;
    expect(body.additionalProperties).toBe(false);
    expect(body.required).toEqual(['name']);
    expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '403', '409', '429']));
    expect(doc.paths['/messages'].get.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['tenant', 'status', 'recipient', 'since', 'until', 'q', 'limit', 'before']),
    );
    expect(doc.paths['/docs'].get.security).toEqual([]);
  });

  it('renders the reference page on the server: every path, no scripts, a strict CSP', async () => {
    const res = await fetch(`${h.base}/api/v1/docs`);
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toMatch(/script-src|https?:/);
    expect(html).not.toMatch(/<script|<link|src=/i);
    for (const path of [
      '/tenants',
      '/tenants/{id}/smtp-credentials/rotate',
      '/messages/{id}/cancel',
      '/queue/summary',
      '/audit',
    ]) {
      expect(html).toContain(`${path}</code>`);
    }
    expect(html).toContain('Parameters');
    expect(html).toContain('&quot;additionalProperties&quot;: false');
  });
});

describe('rate limits', () => {
  let limited: ApiHarness;
  beforeAll(async () => {
    limited = await startApiHarness({
      limits: { perTokenBurst: 3, perTokenPerSecond: 0.01, authFailuresBurst: 2, authFailuresPerSecond: 0.01 },
    });
  });
  afterAll(async () => {
    await limited?.close();
  });

  it('answers 429 with Retry-After once a token has used its burst; other tokens are not affected', async () => {
    const { tenant } = await addTenant(limited.tenants, { name: 'Other' });
    const other = await createTenantToken(limited.tokens, tenant.id, { now: Date.now() });
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 4; i++) {
      last = await limited.call('GET', '/api/v1/audit', { token: limited.adminToken });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(last?.body).toEqual({ error: 'rate_limited' });
    expect(Number(last?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await limited.call('GET', '/api/v1/audit', { token: other.token })).status).toBe(200);
  });

  it('blocks an address after repeated wrong tokens, even for a right token afterwards', async () => {
    const first = await limited.call('GET', '/api/v1/tenants', { token: WRONG });
    const second = await limited.call('GET', '/api/v1/tenants', { token: WRONG });
    expect([first.status, second.status]).toEqual([401, 401]);
    const blocked = await limited.call('GET', '/api/v1/tenants', { token: WRONG });
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await limited.call('GET', '/api/v1/tenants', { token: limited.adminToken })).status).toBe(429);
    expect((await limited.call('GET', '/healthz')).status).toBe(200);
  });
});
