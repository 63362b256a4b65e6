import { describe, expect, it } from 'vitest';
import { judgeDkim, type SelectorKey } from '../../src/mailauth/check-dkim.js';
import { dmarcAlignment } from '../../src/mailauth/check-dmarc.js';
import { checkDomain } from '../../src/mailauth/dns-check.js';
import type { DnsLookup } from '../../src/mailauth/dns-lookup.js';
import { dkimValue } from '../../src/mailauth/records.js';
import { walkSpf } from '../../src/mailauth/spf-walk.js';

const KEY: SelectorKey = {
  selector: 'pb202611e',
  algorithm: 'ed25519',
  publicKeyDnsValue: 'lg7uTy2p/21CVTbNAy+2uiaTaI73RAy+0M5WPvi1Z34=',
};
const NAME = 'pb202611e._domainkey.example.com';
const EXPECTED = dkimValue(KEY);

/** An in-memory DnsLookup: names map to TXT records or to an error code. */
function fakeDns(
  zone: Record<string, string[][] | string>,
  cnames: Record<string, string> = {},
): Pick<Required<DnsLookup>, 'resolveTxt' | 'resolveCname'> {
  const fail = (code: string) => Promise.reject(Object.assign(new Error(code), { code }));
  return {
    resolveTxt: async (name) => {
      const entry = zone[name];
      if (entry === undefined) return fail('ENOTFOUND');
      return typeof entry === 'string' ? fail(entry) : entry;
    },
    resolveCname: async (name) => (cnames[name] === undefined ? fail('ENODATA') : [cnames[name] ?? '']),
  };
}

describe('judgeDkim', () => {
  const judge = (values: string[]) => judgeDkim(values, KEY, NAME, EXPECTED);

  it('accepts the exact value, extra spaces in p= and a missing v= tag', () => {
    expect(judge([EXPECTED]).status).toBe('ok');
    expect(
      judge([`k=ed25519; p=${KEY.publicKeyDnsValue.slice(0, 20)} ${KEY.publicKeyDnsValue.slice(20)}`]).status,
    ).toBe('ok');
  });

  it('names each usual mistake', () => {
    expect(judge([`v=DKIM1; k=rsa; p=${KEY.publicKeyDnsValue}`]).problem).toBe('key-mismatch');
    expect(judge(['v=DKIM1; k=ed25519; p=']).problem).toBe('revoked');
    expect(judge(['v=DKIM1; k=ed25519']).problem).toBe('malformed');
    expect(judge(['v=spf1 -all', EXPECTED]).problem).toBe('several-records');
    expect(judge([EXPECTED.slice(0, 30), EXPECTED.slice(30)]).problem).toBe('split-record');
    const quotedButOtherKey = judge(['"v=DKIM1; k=ed25519; p=AAAA"']);
    expect(quotedButOtherKey.problem).toBe('quoted');
    expect(quotedButOtherKey.advice).toContain('does not match either');
  });
});

describe('dmarcAlignment', () => {
  const tags = (value: string) => new Map(value.split(';').map((t) => t.trim().split('=') as [string, string]));

  it('aligns SPF only through a bounce host under the domain, exactly so when aspf=s', () => {
    const rp = { host: 'bounce.example.com', ok: true };
    expect(dmarcAlignment('example.com', tags('v=DMARC1; p=reject'), true, rp)).toEqual({
      policy: 'reject',
      dkim: true,
      spf: true,
      aligned: true,
    });
    expect(dmarcAlignment('example.com', tags('v=DMARC1; p=reject; aspf=s'), false, rp)).toMatchObject({
      spf: false,
      aligned: false,
    });
    expect(dmarcAlignment('example.com', null, false, { host: 'bounce.other.com', ok: true }).spf).toBe(false);
    expect(dmarcAlignment('example.com', tags('v=DMARC1; p=bogus'), true, null).policy).toBeNull();
  });
});

describe('walkSpf', () => {
  it('follows only passing includes and stops on loops', async () => {
    const dns = fakeDns({
      'loop-a.test': [['v=spf1 include:loop-b.test ~all']],
      'loop-b.test': [['v=spf1 include:loop-a.test ~all']],
      'soft.test': [['v=spf1 include:spf.platform.test ~all']],
      'spf.platform.test': [['v=spf1 ip4:192.0.2.10 -all']],
    });
    const loop = await walkSpf(dns, 'v=spf1 include:loop-a.test -all', 'spf.platform.test');
    expect(loop).toMatchObject({ lookups: 3, permitsPlatform: false, failedCode: null });
    const soft = await walkSpf(dns, 'v=spf1 ~include:soft.test -all', 'spf.platform.test');
    expect(soft.permitsPlatform).toBe(false);
    const afterAll = await walkSpf(dns, 'v=spf1 -all include:spf.platform.test', 'spf.platform.test');
    expect(afterAll).toMatchObject({ lookups: 0, permitsPlatform: false });
    const nested = await walkSpf(dns, 'v=spf1 include:soft.test -all', 'spf.platform.test', ['192.0.2.10']);
    expect(nested).toMatchObject({ lookups: 2, permitsPlatform: true });
  });
});

describe('checkDomain with an injected lookup', () => {
  it('treats NXDOMAIN/ENODATA as missing and SERVFAIL/timeouts as unknown', async () => {
    const dns = fakeDns(
      {
        'example.com': 'ETIMEOUT',
        '_dmarc.example.com': 'ENODATA',
        [NAME]: 'ESERVFAIL',
      },
      { 'bounce.example.com': 'bounce.postbode.example.' },
    );
    const check = await checkDomain({
      domain: 'Example.COM.',
      selectors: [KEY],
      platformInclude: 'spf.postbode.example',
      returnPath: { host: 'bounce.example.com', target: 'bounce.postbode.example' },
      resolver: dns,
    });
    expect(check.domain).toBe('example.com');
    expect(check.records.map((r) => `${r.record} ${r.status}`)).toEqual([
      'dkim unknown',
      'spf unknown',
      'dmarc missing',
      'return-path ok',
    ]);
    expect(check.records[0]?.advice).toContain('ESERVFAIL');
    expect(check.spfLookups).toBeNull();
  });

  it('cannot check the bounce CNAME with a lookup that has no resolveCname', async () => {
    const { resolveTxt } = fakeDns({});
    const check = await checkDomain({
      domain: 'example.com',
      selectors: [KEY],
      platformInclude: 'spf.postbode.example',
      returnPath: { host: 'bounce.example.com', target: 'bounce.postbode.example' },
      resolver: { resolveTxt },
    });
    expect(check.records.find((r) => r.record === 'return-path')?.status).toBe('unknown');
  });
});
