import { describe, expect, it } from 'vitest';
import type { Tenant, TenantDirectory } from '../../../src/core/types.js';
import { AuthCache } from '../../../src/receive/smtp/auth-cache.js';
import { AuthThrottle, ipKey } from '../../../src/receive/smtp/auth-throttle.js';
import { createAuthenticator, type AuthAttempt } from '../../../src/receive/smtp/auth.js';
import { ExpiringMap } from '../../../src/receive/smtp/expiring-map.js';

const tenant: Tenant = {
  id: 't1',
  name: 'T1',
  smtpUsername: 'user',
  smtpPasswordHash: 'HASH',
  allowedIps: [],
  allowPlaintextAuth: false,
  credentialsVersion: 1,
  createdAt: 0,
  updatedAt: 0,
};

function setup(opts: { ttl?: number; perIp?: number; perUser?: number; perConn?: number; windowMs?: number } = {}) {
  let now = 1_000;
  let current = tenant;
  const verified: Array<[string, string]> = [];
  const slept: number[] = [];
  const tenants: TenantDirectory = {
    byId: async () => undefined,
    bySmtpUsername: async (u) => (u === current.smtpUsername ? current : undefined),
    byAllowedIp: async () => undefined,
  };
  const authenticate = createAuthenticator({
    tenants,
    clock: () => now,
    maxFailuresPerConnection: opts.perConn ?? 10,
    verify: async (password, hash) => {
      verified.push([password, hash]);
      return hash === current.smtpPasswordHash && password === 'secret';
    },
    cache: new AuthCache(opts.ttl ?? 60_000),
    throttle: new AuthThrottle({
      maxFailuresPerIp: opts.perIp ?? 100,
      maxFailuresPerUser: opts.perUser ?? 100,
      windowMs: opts.windowMs ?? 10_000,
      failureDelayMs: 1_000,
      maxFailureDelayMs: 4_000,
    }),
    sleep: async (ms) => {
      slept.push(ms);
    },
  });
  const attempt = (over: Partial<AuthAttempt> = {}) =>
    authenticate({
      username: 'user',
      password: 'secret',
      ip: '192.0.2.1',
      secure: true,
      failuresOnConnection: 0,
      ...over,
    });
  return {
    attempt,
    verified,
    slept,
    advance: (ms: number) => {
      now += ms;
    },
    setTenant: (t: Tenant) => {
      current = t;
    },
  };
}

describe('authenticator', () => {
  it('accepts the right password and serves the next attempt from the cache until the TTL ends', async () => {
    const s = setup({ ttl: 5_000 });
    expect(await s.attempt()).toMatchObject({ kind: 'ok', cached: false, tenant: { id: 't1' } });
    expect(await s.attempt()).toMatchObject({ kind: 'ok', cached: true });
    expect(s.verified).toHaveLength(1);
    s.advance(5_000);
    expect(await s.attempt()).toMatchObject({ kind: 'ok', cached: false });
    expect(s.verified).toHaveLength(2);
  });

  it('runs one password check for many concurrent logins with the same credentials', async () => {
    const s = setup();
    const outcomes = await Promise.all(Array.from({ length: 50 }, () => s.attempt()));
    expect(outcomes.every((o) => o.kind === 'ok')).toBe(true);
    expect(s.verified).toHaveLength(1);
    const wrong = await Promise.all(Array.from({ length: 3 }, () => s.attempt({ password: 'nope' })));
    expect(wrong.every((o) => o.kind === 'refuse')).toBe(true);
    expect(s.verified).toHaveLength(2);
  });

  it('drops cached verifications when the credentials version changes', async () => {
    const s = setup();
    await s.attempt();
    s.setTenant({ ...tenant, credentialsVersion: 2 });
    expect(await s.attempt()).toMatchObject({ kind: 'ok', cached: false });
    expect(s.verified).toHaveLength(2);
  });

  it('does not cache with a TTL of 0', async () => {
    const s = setup({ ttl: 0 });
    await s.attempt();
    await s.attempt();
    expect(s.verified).toHaveLength(2);
  });

  it('refuses a wrong password with 535 5.7.8 and counts it', async () => {
    const s = setup();
    expect(await s.attempt({ password: 'nope' })).toMatchObject({
      kind: 'refuse',
      reason: 'auth',
      failure: true,
      reply: { code: 535, enhanced: '5.7.8' },
    });
  });

  it('checks unknown users against a dummy hash, so they cost as much as known ones', async () => {
    const s = setup();
    expect(await s.attempt({ username: 'ghost' })).toMatchObject({ kind: 'refuse', reply: { code: 535 } });
    expect(s.verified).toHaveLength(1);
    expect(s.verified[0]?.[1]).toMatch(/^scrypt\$32768\$8\$1\$/);
  });

  it(
    'refuses AUTH in the clear with 538 5.7.11 unless the tenant allows it, ' + 'without checking the password',
    async () => {
      const s = setup();
      expect(await s.attempt({ secure: false })).toMatchObject({
        kind: 'refuse',
        failure: true,
        reply: { code: 538, enhanced: '5.7.11' },
      });
      expect(s.verified).toHaveLength(0);
      s.setTenant({ ...tenant, allowPlaintextAuth: true });
      expect(await s.attempt({ secure: false })).toMatchObject({ kind: 'ok' });
    },
  );

  it('turns the failure that reaches maxFailuresPerConnection into 421 4.7.0', async () => {
    const s = setup({ perConn: 3 });
    expect(await s.attempt({ password: 'x', failuresOnConnection: 1 })).toMatchObject({ reply: { code: 535 } });
    expect(await s.attempt({ password: 'x', failuresOnConnection: 2 })).toMatchObject({
      reply: { code: 421, enhanced: '4.7.0' },
    });
  });

  it(
    'blocks an IP (any user) and a user from that IP, ' + 'never the user from another IP, until the window ends',
    async () => {
      const s = setup({ perIp: 3, perUser: 2, windowMs: 10_000 });
      await s.attempt({ password: 'x' });
      await s.attempt({ password: 'x' });
      // The user is throttled from this IP: the right password gets the wrong-password reply, unchecked.
      expect(await s.attempt()).toMatchObject({
        reason: 'auth-throttled-user',
        failure: true,
        reply: { code: 535, enhanced: '5.7.8' },
      });
      expect(s.verified).toHaveLength(2);
      // ... but not from another address.
      expect(await s.attempt({ ip: '192.0.2.3' })).toMatchObject({ kind: 'ok' });
      await s.attempt({ username: 'ghost', password: 'x' });
      expect(await s.attempt({ username: 'other' })).toMatchObject({
        reason: 'auth-throttled-ip',
        reply: { code: 535, enhanced: '5.7.8' },
      });
      s.advance(10_000);
      expect(await s.attempt()).toMatchObject({ kind: 'ok' });
    },
  );

  it('refuses an AUTH PLAIN authorisation identity other than the login with 535 5.7.8 (RFC 4616)', async () => {
    const s = setup();
    expect(await s.attempt({ authzid: 'someone-else' })).toMatchObject({
      kind: 'refuse',
      reason: 'auth-authzid',
      reply: { code: 535, enhanced: '5.7.8' },
    });
    expect(await s.attempt({ authzid: 'user' })).toMatchObject({ kind: 'ok' });
    expect(await s.attempt({ authzid: '' })).toMatchObject({ kind: 'ok' });
  });

  it(
    'backs off per IP: from the third failure each reply waits twice as long, ' + 'capped; known and unknown alike',
    async () => {
      const s = setup();
      for (let i = 0; i < 3; i++) await s.attempt({ password: 'x' });
      for (let i = 0; i < 3; i++) await s.attempt({ username: 'ghost', password: 'x' });
      expect(s.slept).toEqual([1_000, 2_000, 4_000, 4_000]);
      await s.attempt({ password: 'x', ip: '192.0.2.9' });
      expect(s.slept).toHaveLength(4);
    },
  );
});

describe('ExpiringMap', () => {
  it('expires entries and evicts the oldest when full', () => {
    const m = new ExpiringMap<string, number>(2);
    m.set('a', 1, 100);
    m.set('b', 2, 100);
    m.set('a', 3, 100); // refreshes a: b is now the oldest
    m.set('c', 4, 100);
    expect(m.size).toBe(2);
    expect(m.get('b', 0)).toBeUndefined();
    expect(m.get('a', 0)).toBe(3);
    expect(m.get('a', 100)).toBeUndefined();
  });

  it('keeps the throttle bounded however many names are tried', () => {
    const throttle = new AuthThrottle(
      { maxFailuresPerIp: 1_000_000, maxFailuresPerUser: 1, windowMs: 60_000, failureDelayMs: 0, maxFailureDelayMs: 0 },
      100,
    );
    for (let i = 0; i < 1_000; i++) throttle.recordFailure('192.0.2.1', `user${i}`, 0);
    expect(throttle.blockedBy('192.0.2.1', 'user999', 1)).toBe('user');
    expect(throttle.blockedBy('192.0.2.1', 'user0', 1)).toBeUndefined(); // evicted, not remembered forever
  });

  it('counts IPv6 clients per /64', () => {
    expect(ipKey('2001:db8:1:2:aaaa::1')).toBe(ipKey('2001:db8:1:2::ffff'));
    expect(ipKey('2001:db8:1:3::1')).not.toBe(ipKey('2001:db8:1:2::1'));
    expect(ipKey('2001:db8::1')).toBe('20010db800000000::/64');
    expect(ipKey('192.0.2.1')).toBe('192.0.2.1');
  });
});
