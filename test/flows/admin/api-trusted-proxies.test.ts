import { afterEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import { ADMIN_TOKEN, startApiHarness, type ApiHarness } from '../../helpers/api-v1-harness.js';

let h: ApiHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const limits = { authFailuresBurst: 3, authFailuresPerSecond: 0.01 };
const asClient = (forwardedFor: string) => ({ token: 'pb_wrong-token', headers: { 'x-forwarded-for': forwardedFor } });

async function lockOut(api: ApiHarness, forwardedFor: string): Promise<number> {
  let status = 0;
  for (let i = 0; i < 5; i++) status = (await api.call('GET', '/api/v1/tenants', asClient(forwardedFor))).status;
  return status;
}

describe('http.trustedProxies', () => {
  it(
    'behind a trusted proxy, one client failing locks out that client only, ' + 'not everyone behind the proxy',
    async () => {
      h = await startApiHarness({ limits, trustedProxies: ['127.0.0.0/8'] });
      expect(await lockOut(h, '203.0.113.5')).toBe(429);
      const other = await h.call('GET', '/api/v1/tenants', {
        token: ADMIN_TOKEN,
        headers: { 'x-forwarded-for': '203.0.113.6' },
      });
      expect(other.status).toBe(200);
      // The right-most untrusted address counts: what the client wrote to the left of it is ignored.
      const spoofed = await h.call('GET', '/api/v1/tenants', {
        token: ADMIN_TOKEN,
        headers: { 'x-forwarded-for': '198.51.100.7, 203.0.113.5' },
      });
      expect(spoofed.status).toBe(429);
      expect(spoofed.body).toEqual({ error: 'rate_limited' });
    },
  );

  it(
    'without trusted proxies X-Forwarded-For is ignored: ' + 'a client cannot spoof its way out of the throttle',
    async () => {
      h = await startApiHarness({ limits });
      expect(await lockOut(h, '203.0.113.5')).toBe(429);
      const fresh = await h.call('GET', '/api/v1/tenants', {
        token: ADMIN_TOKEN,
        headers: { 'x-forwarded-for': '192.0.2.99' },
      });
      expect(fresh.status).toBe(429);
    },
  );

  it('a peer outside the list is not believed either', async () => {
    h = await startApiHarness({ limits, trustedProxies: ['10.0.0.0/8'] });
    for (let i = 0; i < 5; i++) await h.call('GET', '/api/v1/tenants', asClient(`198.51.100.${i}`));
    expect(
      (await h.call('GET', '/api/v1/tenants', { token: ADMIN_TOKEN, headers: { 'x-forwarded-for': '198.51.100.200' } }))
        .status,
    ).toBe(429);
  });

  it('refuses an entry that is not an IP address or CIDR range, naming the key', () => {
    const result = configSchema.safeParse({ http: { trustedProxies: ['10.0.0.0/8', 'proxy.example'] } });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain('trustedProxies');
    expect(configSchema.parse({}).http.trustedProxies).toEqual([]);
  });
});
