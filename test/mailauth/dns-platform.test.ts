import { describe, expect, it } from 'vitest';
import { ptrName, resolverFor } from '../../src/mailauth/dns-lookup.js';
import { checkPlatformDns } from '../../src/mailauth/dns-platform.js';
import { startSilentDnsServer } from '../helpers/dns-server.js';

describe('ptrName', () => {
  it('reverses IPv4 octets and IPv6 nibbles (a compressed address expanded first)', () => {
    expect(ptrName('192.0.2.10')).toBe('10.2.0.192.in-addr.arpa');
    expect(ptrName('2001:db8::1')).toBe(`1.${'0.'.repeat(23)}8.b.d.0.1.0.0.2.ip6.arpa`);
    expect(ptrName('2001:db8:0:0:0:0:0:1')).toBe(ptrName('2001:db8::1'));
  });
});

describe('checkPlatformDns with a DNS server that does not answer', () => {
  it('reports every record as "could not be checked", never missing, within the resolver timeout', async () => {
    const silent = await startSilentDnsServer();
    try {
      const started = Date.now();
      const report = await checkPlatformDns({
        sendingDomain: 'send.postbode.test',
        bounceDomain: 'bounce.postbode.test',
        hostname: 'gw.postbode.test',
        spfInclude: '_spf.send.postbode.test',
        keys: [],
        reportAddress: 'postmaster@send.postbode.test',
        tlsReportAddress: 'postmaster@send.postbode.test',
        resolver: resolverFor(silent.address, { timeoutMs: 200, tries: 1 }),
      });
      expect(report.ok).toBe(false);
      expect(report.records.length).toBe(9);
      expect(new Set(report.records.map((r) => `${r.status} ${r.problem}`))).toEqual(
        new Set(['unknown lookup-failed']),
      );
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await silent.close();
    }
  });
});
