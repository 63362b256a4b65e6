/**
 * Checks of the platform's own records beyond DKIM, SPF and DMARC: the inbound MX, MTA-STS and TLS-RPT, the SPF
 * include's own record, and the HELO name (forward-confirmed reverse DNS, what Gmail and Yahoo ask of bulk senders).
 */
import type { RecordCheck, RecordKind } from './check-types.js';
import { unknownCheck } from './check-types.js';
import { lookupOf, lookupTxt, type DnsLookup } from './dns-lookup.js';
import { normaliseDomain } from './spf-terms.js';

const ok = (advice: string) => ({ status: 'ok' as const, problem: null, advice });

/** MX of a platform domain: one of its hosts must be ours (`hostname`), or bounces and replies never reach us. */
export async function checkMx(dns: DnsLookup, domain: string, hostname: string): Promise<RecordCheck> {
  const expected = `10 ${hostname}`;
  const outcome = await lookupOf(dns, 'resolveMx', domain);
  const base = { record: 'mx' as const, name: domain, expected };
  if (outcome.kind === 'failed') return unknownCheck('mx', domain, expected, outcome.code, 'MX record');
  if (outcome.kind === 'missing')
    return {
      ...base,
      status: 'missing',
      problem: 'not-found',
      found: null,
      advice:
        `There is no MX record at ${domain}. Add one pointing to ${hostname}, so bounces and replies reach ` +
        'Postbode.',
    };
  const found = outcome.records.map((m) => `${m.priority} ${m.exchange}`).join(' | ');
  if (outcome.records.some((m) => normaliseDomain(m.exchange) === normaliseDomain(hostname)))
    return { ...base, found, ...ok('The MX record is correct.') };
  return {
    ...base,
    found,
    status: 'wrong',
    problem: 'wrong-target',
    advice: `The MX record at ${domain} points to ${found}; change it to point to ${hostname}.`,
  };
}

interface TxtTag {
  readonly record: RecordKind;
  readonly name: string;
  readonly expected: string;
  /** Lower-case start of the one record that counts, e.g. `v=stsv1`. */
  readonly version: string;
  readonly what: string;
}

/** A TXT record identified by its version tag (MTA-STS, TLS-RPT, the SPF include): present once, else advice. */
async function checkTagged(dns: DnsLookup, spec: TxtTag, missing: string): Promise<RecordCheck> {
  const base = { record: spec.record, name: spec.name, expected: spec.expected };
  const outcome = await lookupTxt(dns, spec.name);
  if (outcome.kind === 'failed') return unknownCheck(spec.record, spec.name, spec.expected, outcome.code, spec.what);
  const values = outcome.kind === 'found' ? outcome.records.map((s) => s.join('')) : [];
  const tagged = values.filter((v) => v.trim().toLowerCase().startsWith(spec.version));
  if (tagged.length === 0) return { ...base, status: 'missing', problem: 'not-found', found: null, advice: missing };
  const found = tagged.join(' | ');
  if (tagged.length > 1)
    return {
      ...base,
      found,
      status: 'wrong',
      problem: 'several-records',
      advice: `There are ${tagged.length} records at ${spec.name}; receivers ignore them all. Keep one.`,
    };
  return { ...base, found, ...ok(`The record at ${spec.name} is correct.`) };
}

export function checkMtaSts(dns: DnsLookup, domain: string, hostname: string): Promise<RecordCheck> {
  const name = `_mta-sts.${domain}`;
  return checkTagged(
    dns,
    {
      record: 'mta-sts',
      name,
      expected: 'v=STSv1; id=<date of the policy>',
      version: 'v=stsv1',
      what: 'MTA-STS record',
    },
    `There is no MTA-STS record at ${name}. Recommended: serve a policy (mode: testing, mx: ${hostname}) at ` +
      `https://mta-sts.${domain}/.well-known/mta-sts.txt and add this TXT record, so senders use TLS to reach us.`,
  );
}

export function checkTlsRpt(dns: DnsLookup, domain: string, reportAddress: string): Promise<RecordCheck> {
  const name = `_smtp._tls.${domain}`;
  const expected = `v=TLSRPTv1; rua=mailto:${reportAddress}`;
  return checkTagged(
    dns,
    { record: 'tls-rpt', name, expected, version: 'v=tlsrptv1', what: 'TLS-RPT record' },
    `There is no TLS-RPT record at ${name}. Recommended: add a TXT record with this value: ${expected}`,
  );
}

/** The include tenants add (`_spf.<sending domain>`): its own record must list the addresses we send from. */
export function checkSpfInclude(dns: DnsLookup, include: string): Promise<RecordCheck> {
  return checkTagged(
    dns,
    {
      record: 'spf',
      name: include,
      expected: 'v=spf1 ip4:<sending address> -all',
      version: 'v=spf1',
      what: 'SPF record',
    },
    `There is no SPF record at ${include}. Add a TXT record listing the addresses Postbode sends from ` +
      '(v=spf1 ip4:<address> ip6:<address> -all): every SPF record that includes it depends on it.',
  );
}

/** The HELO name resolves to addresses, and each address's reverse name is the HELO name again. */
export async function checkHelo(dns: DnsLookup, hostname: string): Promise<RecordCheck> {
  const base = { record: 'helo' as const, name: hostname, expected: `A/AAAA of ${hostname}, PTR back to ${hostname}` };
  const [v4, v6] = await Promise.all([lookupOf(dns, 'resolve4', hostname), lookupOf(dns, 'resolve6', hostname)]);
  const failed = [v4, v6].find((o) => o.kind === 'failed');
  if (failed?.kind === 'failed') return unknownCheck('helo', hostname, base.expected, failed.code, 'host name (HELO)');
  const addresses = [v4, v6].flatMap((o) => (o.kind === 'found' ? o.records : []));
  if (addresses.length === 0)
    return {
      ...base,
      status: 'missing',
      problem: 'not-found',
      found: null,
      advice:
        `The host name ${hostname} (what Postbode says in HELO) has no address. Add A (and AAAA) records with ` +
        'the addresses Postbode sends from.',
    };
  const reverse = await Promise.all(addresses.map((ip) => reverseOf(dns, ip)));
  const found = addresses.map((ip, i) => `${ip} → ${reverse[i] ?? '?'}`).join(' | ');
  const bad = addresses.filter((_, i) => !(reverse[i] ?? '').split(', ').some((n) => sameName(n, hostname)));
  if (bad.length === 0) return { ...base, found, ...ok('The host name and its reverse DNS match.') };
  return {
    ...base,
    found,
    status: 'wrong',
    problem: 'reverse-mismatch',
    advice:
      `The reverse DNS (PTR) of ${bad.join(', ')} does not name ${hostname}. Ask the provider of these addresses ` +
      `to set it to ${hostname}: Gmail and Yahoo refuse or junk mail from addresses without it.`,
  };
}

async function reverseOf(dns: DnsLookup, ip: string): Promise<string | undefined> {
  const outcome = await lookupOf(dns, 'reverse', ip);
  return outcome.kind === 'found' ? outcome.records.join(', ') : undefined;
}

function sameName(a: string, b: string): boolean {
  return normaliseDomain(a) === normaliseDomain(b);
}
