import { describe, expect, it } from 'vitest';
import { mxMatches, parsePolicy, stsIdOf } from '../../../src/transports/smtp/mta-sts/policy-text.js';
import { ruaMailboxes } from '../../../src/transports/smtp/tls-report/report-json.js';

/** The texts recipient domains publish for MTA-STS and TLS-RPT, as direct delivery reads them. */
describe('MTA-STS texts', () => {
  it('takes the id of the one STSv1 TXT record, and none when there are two', () => {
    expect(stsIdOf([['v=STSv1; id=2026', '0101;']])).toBe('20260101');
    expect(stsIdOf([['v=spf1 -all'], ['v=STSv1; id=abc']])).toBe('abc');
    expect(stsIdOf([['v=STSv1; id=a'], ['v=STSv1; id=b']])).toBeUndefined();
    expect(stsIdOf([['v=STSv1; id=not-alnum']])).toBeUndefined();
  });

  it('parses a policy, caps max_age at a year, and refuses one without version, mode or mx', () => {
    const text =
      'version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmax_age: 99999999\r\n';
    expect(parsePolicy(text)).toMatchObject({
      mode: 'enforce',
      mx: ['mail.example.com', '*.example.net'],
      maxAge: 31557600,
    });
    expect(parsePolicy('mode: enforce\nmx: a.example\nmax_age: 10')).toBeUndefined();
    expect(parsePolicy('version: STSv1\nmode: enforce\nmax_age: 10')).toBeUndefined();
    expect(parsePolicy('version: STSv1\nmode: sometimes\nmx: a.example\nmax_age: 10')).toBeUndefined();
    expect(parsePolicy('version: STSv1\nmode: none\nmax_age: 10')).toMatchObject({ mode: 'none' });
  });

  it('matches an MX name exactly, or one leftmost label under a wildcard', () => {
    const policy = { mx: ['mail.example.com', '*.example.net'] };
    expect(mxMatches(policy, 'MAIL.example.com.')).toBe(true);
    expect(mxMatches(policy, 'mx1.example.net')).toBe(true);
    expect(mxMatches(policy, 'a.b.example.net')).toBe(false);
    expect(mxMatches(policy, 'example.net')).toBe(false);
    expect(mxMatches(policy, 'mail.example.com.evil.test')).toBe(false);
  });
});

describe('TLS-RPT record', () => {
  it('takes the mailto: addresses only, at most two, from the one TLSRPTv1 record', () => {
    const rua = 'https://r.example/x,mailto:a@r.example,mailto:b%40x@r.example,mailto:c@r.example,mailto:d@r.example';
    expect(ruaMailboxes([[`v=TLSRPTv1; rua=${rua}`]])).toEqual(['a@r.example', 'c@r.example']);
    expect(ruaMailboxes([['v=TLSRPTv1; rua=mailto:a@r.example'], ['v=TLSRPTv1; rua=mailto:b@r.example']])).toEqual([]);
    expect(ruaMailboxes([['v=DMARC1; rua=mailto:a@r.example']])).toEqual([]);
  });
});
