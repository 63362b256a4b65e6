import { describe, expect, it } from 'vitest';
import { createAccessTokens, EXPIRY_MARGIN_MS, type OAuthProvider } from '../../../src/tenants/oauth/access-tokens.js';

const HOUR = 3_600_000;

/** A provider with one link per tenant in a map; each refresh issues the next numbered token. */
function scriptedProvider(now: () => number) {
  const links = new Map<string, string>([['T1', 'link-1']]);
  const refreshes: string[] = [];
  let serial = 0;
  let refuse = false;
  const provider: OAuthProvider = {
    link: (tenantId) => {
      const key = links.get(tenantId);
      return key ? { ok: true, key } : { ok: false, problem: 'not-linked', reason: 'nothing linked' };
    },
    async refresh(tenantId) {
      refreshes.push(tenantId);
      if (refuse) return { ok: false, problem: 'link-broken', reason: 'refused' };
      return { ok: true, token: `token-${++serial}`, expiresAt: now() + HOUR };
    },
  };
  return { provider, links, refreshes, refuseFromNowOn: () => (refuse = true) };
}

describe('access tokens', () => {
  it('caches a token until shortly before it expires, then refreshes it', async () => {
    let now = 1_000_000;
    const tokens = createAccessTokens(() => now);
    const google = scriptedProvider(() => now);
    tokens.register('google', google.provider);
    expect(await tokens.get('T1', 'google')).toEqual({ ok: true, token: 'token-1' });
    now += HOUR - EXPIRY_MARGIN_MS - 1;
    expect(await tokens.get('T1', 'google')).toEqual({ ok: true, token: 'token-1' });
    now += 2;
    expect(await tokens.get('T1', 'google')).toEqual({ ok: true, token: 'token-2' });
    expect(google.refreshes).toHaveLength(2);
  });

  it('renews a refused token once, however many sends report it at the same time', async () => {
    const tokens = createAccessTokens(() => 0);
    const google = scriptedProvider(() => 0);
    tokens.register('google', google.provider);
    await tokens.get('T1', 'google');
    const renewed = await Promise.all([1, 2, 3].map(() => tokens.get('T1', 'google', 'token-1')));
    expect(renewed.every((a) => a.ok && a.token === 'token-2')).toBe(true);
    // A refusal of the old token, reported after the renewal, gets the new one without asking again.
    expect(await tokens.get('T1', 'google', 'token-1')).toEqual({ ok: true, token: 'token-2' });
    expect(google.refreshes).toHaveLength(2);
  });

  it('never answers another link’s token: a relink or another tenant asks its own link', async () => {
    const tokens = createAccessTokens(() => 0);
    const google = scriptedProvider(() => 0);
    tokens.register('google', google.provider);
    await tokens.get('T1', 'google');
    expect(await tokens.get('T2', 'google')).toEqual({ ok: false, problem: 'not-linked', reason: 'nothing linked' });
    google.links.set('T1', 'link-2');
    expect(await tokens.get('T1', 'google')).toEqual({ ok: true, token: 'token-2' });
  });

  it('passes the provider’s refusal on and forgets the cached token', async () => {
    const tokens = createAccessTokens(() => 0);
    const google = scriptedProvider(() => 0);
    tokens.register('google', google.provider);
    await tokens.get('T1', 'google');
    google.refuseFromNowOn();
    expect(await tokens.get('T1', 'google', 'token-1')).toMatchObject({ ok: false, problem: 'link-broken' });
    expect(await tokens.get('T1', 'google')).toMatchObject({ ok: false, problem: 'link-broken' });
  });

  it('an unregistered provider answers not linked, in words', async () => {
    const tokens = createAccessTokens(() => 0);
    expect(await tokens.get('T1', 'microsoft')).toEqual({
      ok: false,
      problem: 'not-linked',
      reason: expect.stringMatching(/^Microsoft 365 accounts cannot be linked on this server/),
    });
  });
});
