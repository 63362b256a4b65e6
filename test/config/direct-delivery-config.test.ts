import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';

/** delivery.direct: the trusted DNSSEC resolver is an address (its answers are matched by it), binds are IPs. */
const direct = (settings: Record<string, unknown>) => configSchema.safeParse({ delivery: { direct: settings } });

describe('delivery.direct settings', () => {
  it('takes the DNSSEC resolver as an address with an optional port, never a name', () => {
    for (const ok of ['127.0.0.1', '127.0.0.1:5353', '::1', '[::1]:53'])
      expect(direct({ dnssecResolver: ok }).success).toBe(true);
    for (const bad of ['localhost:53', 'resolver.example', '[::1]:99999'])
      expect(direct({ dnssecResolver: bad }).success).toBe(false);
  });

  it('takes HELO and bind address per family, and refuses a bind that is not an IP', () => {
    const parsed = direct({
      ipv4: { helo: 'mail4.example.com', bind: '192.0.2.25' },
      ipv6: { helo: 'mail6.example.com' },
    });
    expect(parsed.success && parsed.data.delivery.direct).toMatchObject({
      ipv4: { helo: 'mail4.example.com', bind: '192.0.2.25' },
      ipv6: { helo: 'mail6.example.com' },
      mtaSts: true,
      tlsReports: { enabled: true },
    });
    expect(direct({ ipv4: { bind: 'mail.example.com' } }).success).toBe(false);
  });
});
