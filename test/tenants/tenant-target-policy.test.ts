import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { createTargetGuard } from '../../src/transports/egress/target-guard.js';
import { portMatcher, tenantTargetPolicy } from '../../src/tenants/tenant-target-policy.js';

const noDns = { resolve4: async () => [], resolve6: async () => [] };

describe('tenant target policy (save-time checks)', () => {
  it('allows the usual submission ports by default and refuses the rest', () => {
    const ports = configSchema.parse({}).delivery.allowedTenantPorts;
    const policy = tenantTargetPolicy(createTargetGuard({ allow: [], resolver: noDns }), ports);
    for (const port of [25, 465, 587, 2525]) expect(policy.portRefusal(port)).toBeUndefined();
    for (const port of [22, 80, 3306, 6379, 11211])
      expect(policy.portRefusal(port)).toMatch(`port ${port} is not allowed`);
  });

  it('reads "from-to" ranges; the config refuses bad ones', () => {
    const inRange = portMatcher([25, '2500-2599']);
    expect([25, 2500, 2599].map(inRange)).toEqual([true, true, true]);
    expect([24, 2499, 2600].map(inRange)).toEqual([false, false, false]);
    for (const bad of ['9-1', '1-70000', 'x', '25']) {
      expect(configSchema.safeParse({ delivery: { allowedTenantPorts: [bad] } }).success, bad).toBe(false);
    }
    expect(configSchema.safeParse({ delivery: { allowPrivateTargets: ['10.0.0.0/33'] } }).success).toBe(false);
  });

  it('refuses inward address literals in every written form; names pass (checked when connecting)', () => {
    const policy = tenantTargetPolicy(createTargetGuard({ allow: ['192.168.50.0/24'], resolver: noDns }), [587]);
    for (const host of ['127.0.0.1', '[127.0.0.1]', '[IPv6:::1]', '::ffff:10.0.0.1', '169.254.169.254'])
      expect(policy.hostRefusal(host), host).toMatch(/^address not allowed/);
    for (const host of ['mail.example.com', 'localhost', '8.8.8.8', '192.168.50.7'])
      expect(policy.hostRefusal(host), host).toBeUndefined();
  });
});
