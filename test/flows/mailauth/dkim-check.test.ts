/**
 * checkDomain against a real DNS server on 127.0.0.1 (dns2, UDP + TCP), one domain per case
 * so that the cases do not depend on each other's records.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkDomain, type DomainCheckInput } from '../../../src/mailauth/dns-check.js';
import type { DomainCheck, RecordCheck } from '../../../src/mailauth/check-types.js';
import { resolverFor } from '../../../src/mailauth/dns-lookup.js';
import { generateDkimKey, type DkimKey } from '../../../src/mailauth/keys.js';
import { dkimRecord, txtChunks } from '../../../src/mailauth/records.js';
import { startDnsServer, startSilentDnsServer, type DnsTestServer } from '../../helpers/dns-server.js';

const PLATFORM = 'spf.postbode.test';
const RSA_SELECTOR = 'pb202611';
const ED_SELECTOR = 'pb202611e';

let dns: DnsTestServer;
let rsa: DkimKey;
let ed: DkimKey;
let otherRsa: DkimKey;

beforeAll(async () => {
  [rsa, ed, otherRsa] = await Promise.all([generateDkimKey('rsa'), generateDkimKey('ed25519'), generateDkimKey('rsa')]);
  dns = await startDnsServer({
    [PLATFORM]: { TXT: [['v=spf1 ip4:127.0.0.1 -all']] },
    '_spf.mailer.test': { TXT: [['v=spf1 ip4:192.0.2.0/24 ~all']] },
  });
});

afterAll(async () => {
  await dns?.close();
});

/** Publishes everything right for `domain`; tests then break one thing. */
function publishGood(domain: string): void {
  dns.set(dkimRecord(domain, RSA_SELECTOR, rsa).name, {
    TXT: [txtChunks(dkimRecord(domain, RSA_SELECTOR, rsa).value)],
  });
  dns.set(dkimRecord(domain, ED_SELECTOR, ed).name, { TXT: [[dkimRecord(domain, ED_SELECTOR, ed).value]] });
  dns.set(domain, {
    TXT: [[`v=spf1 mx include:${PLATFORM} ~all`], ['site-verification=abc123']],
    MX: [{ exchange: `mx.${domain}`, priority: 10 }],
  });
  dns.set(`_dmarc.${domain}`, { TXT: [[`v=DMARC1; p=quarantine; rua=mailto:dmarc@${domain}`]] });
  dns.set(`bounce.${domain}`, { CNAME: 'bounce.postbode.test' });
}

function input(domain: string, extra: Partial<DomainCheckInput> = {}): DomainCheckInput {
  return {
    domain,
    selectors: [
      { selector: RSA_SELECTOR, ...rsa },
      { selector: ED_SELECTOR, ...ed },
    ],
    platformInclude: PLATFORM,
    dmarcReportAddress: 'dmarc-reports@postbode.test',
    returnPath: { host: `bounce.${domain}`, target: 'bounce.postbode.test' },
    resolver: resolverFor(dns.address, { timeoutMs: 300, tries: 1 }),
    ...extra,
  };
}

function record(check: DomainCheck, kind: RecordCheck['record'], selector?: string): RecordCheck {
  const found = check.records.find((r) => r.record === kind && (selector === undefined || r.selector === selector));
  if (found === undefined) throw new Error(`no ${kind} record in the check`);
  return found;
}

describe('checkDomain against a local DNS server', () => {
  it('reports everything ok and the domain active when all records are right', async () => {
    publishGood('good.test');
    const check = await checkDomain(input('good.test'));
    expect(check.records.map((r) => [r.record, r.status])).toEqual([
      ['dkim', 'ok'],
      ['dkim', 'ok'],
      ['spf', 'ok'],
      ['dmarc', 'ok'],
      ['return-path', 'ok'],
    ]);
    expect(check.active).toBe(true);
    // The RSA record is served as one TXT record of two strings: that is fine, they are joined.
    expect(txtChunks(dkimRecord('good.test', RSA_SELECTOR, rsa).value).length).toBe(2);
    expect(record(check, 'dkim', RSA_SELECTOR).found).toBe(dkimRecord('good.test', RSA_SELECTOR, rsa).value);
    expect(check.dmarcAligned).toEqual({ policy: 'quarantine', dkim: true, spf: true, aligned: true });
    expect(check.spfLookups).toBe(2); // mx + include
  });

  it('reports a missing DKIM record as missing with the record to add, and the domain not active', async () => {
    publishGood('nodkim.test');
    dns.set(`${RSA_SELECTOR}._domainkey.nodkim.test`, undefined);
    const check = await checkDomain(input('nodkim.test'));
    const dkim = record(check, 'dkim', RSA_SELECTOR);
    expect(dkim).toMatchObject({ status: 'missing', problem: 'not-found', found: null });
    expect(dkim.advice).toContain(`"${RSA_SELECTOR}._domainkey"`);
    expect(dkim.advice).toContain(dkim.expected);
    expect(record(check, 'dkim', ED_SELECTOR).status).toBe('ok');
    expect(check.active).toBe(false);
  });

  it('reports a DKIM record with another key as wrong', async () => {
    publishGood('otherkey.test');
    dns.set(`${RSA_SELECTOR}._domainkey.otherkey.test`, {
      TXT: [txtChunks(dkimRecord('otherkey.test', RSA_SELECTOR, otherRsa).value)],
    });
    const check = await checkDomain(input('otherkey.test'));
    const dkim = record(check, 'dkim', RSA_SELECTOR);
    expect(dkim).toMatchObject({ status: 'wrong', problem: 'key-mismatch' });
    expect(dkim.found).toContain(otherRsa.publicKeyDnsValue);
    expect(dkim.advice).toContain('different key');
    expect(check.active).toBe(false);
  });

  it('recognises a DKIM value split over two TXT records', async () => {
    publishGood('split.test');
    const value = dkimRecord('split.test', RSA_SELECTOR, rsa).value;
    dns.set(`${RSA_SELECTOR}._domainkey.split.test`, { TXT: [[value.slice(0, 200)], [value.slice(200)]] });
    const check = await checkDomain(input('split.test'));
    const dkim = record(check, 'dkim', RSA_SELECTOR);
    expect(dkim).toMatchObject({ status: 'wrong', problem: 'split-record' });
    expect(dkim.advice).toContain('one TXT record');
    expect(check.active).toBe(false);
  });

  it('recognises quote marks and backslashes pasted into the DKIM value', async () => {
    publishGood('quoted.test');
    const p = rsa.publicKeyDnsValue;
    dns.set(`${RSA_SELECTOR}._domainkey.quoted.test`, {
      TXT: [[`"v=DKIM1; k=rsa; " "p=${p.slice(0, 200)}`, `${p.slice(200)}"`]],
    });
    dns.set(`${ED_SELECTOR}._domainkey.quoted.test`, { TXT: [[`v=DKIM1\\; k=ed25519\\; p=${ed.publicKeyDnsValue}`]] });
    const check = await checkDomain(input('quoted.test'));
    for (const selector of [RSA_SELECTOR, ED_SELECTOR]) {
      const dkim = record(check, 'dkim', selector);
      expect(dkim).toMatchObject({ status: 'wrong', problem: 'quoted' });
      expect(dkim.advice).toContain('quote marks');
      expect(dkim.advice).not.toContain('does not match either');
    }
  });

  it('finds a DKIM record the DNS provider put under the domain name twice', async () => {
    publishGood('twice.test');
    const name = `${RSA_SELECTOR}._domainkey.twice.test`;
    dns.set(name, undefined);
    dns.set(`${name}.twice.test`, { TXT: [txtChunks(dkimRecord('twice.test', RSA_SELECTOR, rsa).value)] });
    const check = await checkDomain(input('twice.test'));
    const dkim = record(check, 'dkim', RSA_SELECTOR);
    expect(dkim).toMatchObject({ status: 'wrong', problem: 'domain-appended-twice' });
    expect(dkim.advice).toContain(`${name}.twice.test`);
    expect(dns.queries).toContain(`${name}.twice.test TXT`);
  });

  it('tells how to add our include to an SPF record without it', async () => {
    publishGood('noinclude.test');
    dns.set('noinclude.test', { TXT: [['v=spf1 include:_spf.mailer.test -all']] });
    const check = await checkDomain(input('noinclude.test'));
    const spf = record(check, 'spf');
    const merged = `v=spf1 include:_spf.mailer.test include:${PLATFORM} -all`;
    expect(spf).toMatchObject({ status: 'wrong', problem: 'include-missing', expected: merged });
    expect(spf.advice).toBe(`Your SPF record does not include include:${PLATFORM}; replace it with: ${merged}`);
    expect(check.active).toBe(false);
  });

  it('accepts an SPF record that lists the platform addresses instead of the include', async () => {
    publishGood('byip.test');
    dns.set('byip.test', { TXT: [['v=spf1 ip4:198.51.100.0/24 ip6:2001:db8::/32 -all']] });
    const ok = await checkDomain(input('byip.test', { platformSpfIps: ['198.51.100.7', '2001:db8::25'] }));
    expect(record(ok, 'spf').status).toBe('ok');
    const notCovered = await checkDomain(input('byip.test', { platformSpfIps: ['198.51.100.7', '203.0.113.9'] }));
    expect(record(notCovered, 'spf').problem).toBe('include-missing');
  });

  it('reports two SPF records and proposes one merged record', async () => {
    publishGood('twospf.test');
    dns.set('twospf.test', { TXT: [['v=spf1 include:_spf.mailer.test ~all'], [`v=spf1 include:${PLATFORM} -all`]] });
    const check = await checkDomain(input('twospf.test'));
    const spf = record(check, 'spf');
    expect(spf).toMatchObject({ status: 'wrong', problem: 'two-spf-records' });
    expect(spf.expected).toBe(`v=spf1 include:_spf.mailer.test include:${PLATFORM} ~all`);
    expect(spf.advice).toContain('2 SPF records');
    expect(check.active).toBe(false);
  });

  it('counts SPF lookups through a chain of includes and reports more than 10', async () => {
    publishGood('deep.test');
    dns.set('deep.test', { TXT: [[`v=spf1 include:l1.chain.test include:${PLATFORM} ~all`]] });
    for (let level = 1; level <= 5; level++) {
      const next = level < 5 ? ` include:l${level + 1}.chain.test` : '';
      dns.set(`l${level}.chain.test`, { TXT: [[`v=spf1 a mx${next} ~all`]] });
    }
    const check = await checkDomain(input('deep.test'));
    expect(record(check, 'spf')).toMatchObject({ status: 'wrong', problem: 'too-many-lookups' });
    expect(check.spfLookups).toBeGreaterThan(10);
    expect(check.active).toBe(false);
  });

  it('reports an include of a domain without SPF record', async () => {
    publishGood('broken.test');
    dns.set('broken.test', { TXT: [[`v=spf1 include:nothing-here.test include:${PLATFORM} ~all`]] });
    const check = await checkDomain(input('broken.test'));
    expect(record(check, 'spf')).toMatchObject({ status: 'wrong', problem: 'broken-include' });
  });

  it('reports a missing DMARC record without blocking activation', async () => {
    publishGood('nodmarc.test');
    dns.set('_dmarc.nodmarc.test', undefined);
    const check = await checkDomain(input('nodmarc.test'));
    const dmarc = record(check, 'dmarc');
    expect(dmarc).toMatchObject({ status: 'missing', problem: 'not-found' });
    expect(dmarc.expected).toBe('v=DMARC1; p=none; rua=mailto:dmarc-reports@postbode.test');
    expect(check.active).toBe(true);
    expect(check.dmarcAligned.policy).toBeNull();
  });

  it('says "could not be checked" rather than "missing" when a lookup fails with SERVFAIL', async () => {
    publishGood('servfail.test');
    dns.set(`${RSA_SELECTOR}._domainkey.servfail.test`, { servfail: true });
    const check = await checkDomain(input('servfail.test'));
    const dkim = record(check, 'dkim', RSA_SELECTOR);
    expect(dkim).toMatchObject({ status: 'unknown', problem: 'lookup-failed' });
    expect(dkim.advice).toContain('try again');
    expect(check.active).toBe(false);
  });

  it('says "could not be checked" for every record when the DNS server does not answer', async () => {
    const silent = await startSilentDnsServer();
    try {
      const started = Date.now();
      const check = await checkDomain(
        input('good.test', { resolver: resolverFor(silent.address, { timeoutMs: 200, tries: 1 }) }),
      );
      expect(check.records.map((r) => r.status)).toEqual(['unknown', 'unknown', 'unknown', 'unknown', 'unknown']);
      expect(
        check.records.every((r) => r.advice.includes('could not be checked') && r.advice.includes('try again')),
      ).toBe(true);
      expect(check.active).toBe(false);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await silent.close();
    }
  });

  it('notices when records vanish after the domain was active', async () => {
    publishGood('vanish.test');
    expect((await checkDomain(input('vanish.test'))).active).toBe(true);
    dns.set(`${RSA_SELECTOR}._domainkey.vanish.test`, undefined);
    dns.set('vanish.test', { TXT: [['site-verification=abc123']] });
    const check = await checkDomain(input('vanish.test'));
    expect(check.active).toBe(false);
    expect(record(check, 'dkim', RSA_SELECTOR).status).toBe('missing');
    expect(record(check, 'spf')).toMatchObject({ status: 'missing', expected: `v=spf1 include:${PLATFORM} ~all` });
  });

  it('reports a bounce CNAME that points elsewhere, and SPF then not aligned', async () => {
    publishGood('cname.test');
    dns.set('bounce.cname.test', { CNAME: 'somewhere.else.test' });
    const check = await checkDomain(input('cname.test'));
    expect(record(check, 'return-path')).toMatchObject({
      status: 'wrong',
      problem: 'wrong-target',
      found: 'somewhere.else.test',
    });
    expect(check.active).toBe(true);
    expect(check.dmarcAligned).toMatchObject({ dkim: true, spf: false, aligned: true });
  });
});
