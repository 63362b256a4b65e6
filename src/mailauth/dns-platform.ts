/**
 * The platform's own DNS records, checked: what the operator publishes for the sending and bounce domains (DKIM, SPF
 * and its include, DMARC, MX of the inbound, MTA-STS, TLS-RPT) and the HELO name's forward and reverse DNS. The same
 * words and statuses as a tenant's domain check; the API and the admin screen show them.
 */
import { checkDkim, type SelectorKey } from './check-dkim.js';
import { checkDmarc } from './check-dmarc.js';
import { checkSpf } from './check-spf.js';
import type { RecordCheck } from './check-types.js';
import { checkHelo, checkMtaSts, checkMx, checkSpfInclude, checkTlsRpt } from './dns-platform-checks.js';
import type { DnsLookup } from './dns-lookup.js';

export interface PlatformDnsInput {
  readonly sendingDomain: string;
  /** A separate bounce domain (envelope senders, SRS), or null when bounces use the sending domain. */
  readonly bounceDomain: string | null;
  /** The gateway's host name: what it says in HELO, and where the platform domains' MX must point. */
  readonly hostname: string;
  readonly spfInclude: string;
  /** The platform's signing keys (active), public halves. */
  readonly keys: readonly SelectorKey[];
  /** Where DMARC aggregate and TLS-RPT reports go. */
  readonly reportAddress: string;
  /** Where TLS-RPT reports about mail to our MX should go. */
  readonly tlsReportAddress: string;
  readonly resolver: DnsLookup;
}

export interface PlatformRecordCheck extends RecordCheck {
  /** What to publish: the DNS type (`A/AAAA+PTR` for the HELO name). */
  readonly type: string;
  readonly purpose: string;
  /** Needed for mail to authenticate and bounces to come back; the others are recommended. */
  readonly required: boolean;
}

export interface PlatformDnsReport {
  readonly sendingDomain: string;
  readonly bounceDomain: string | null;
  readonly hostname: string;
  /** Every required record checked ok. */
  readonly ok: boolean;
  readonly records: readonly PlatformRecordCheck[];
}

const entry = (type: string, purpose: string, required: boolean) => (check: RecordCheck) =>
  ({ ...check, type, purpose, required }) satisfies PlatformRecordCheck;

function domainChecks(input: PlatformDnsInput, domain: string): Promise<PlatformRecordCheck>[] {
  const dns = input.resolver;
  const spf = checkSpf(dns, { domain, platformInclude: input.spfInclude }).then((r) => r.check);
  return [
    spf.then(entry('TXT', `SPF: the addresses that may send for ${domain}`, true)),
    checkMx(dns, domain, input.hostname).then(entry('MX', `MX: bounces and replies to ${domain} reach Postbode`, true)),
  ];
}

export async function checkPlatformDns(input: PlatformDnsInput): Promise<PlatformDnsReport> {
  const { sendingDomain, bounceDomain, resolver: dns } = input;
  const separateBounce = bounceDomain !== null && bounceDomain !== sendingDomain ? bounceDomain : null;
  const records = await Promise.all([
    ...input.keys.map((k) =>
      checkDkim(dns, sendingDomain, k).then(entry('TXT', `DKIM key ${k.selector} of the forwarding addresses`, true)),
    ),
    ...domainChecks(input, sendingDomain),
    checkSpfInclude(dns, input.spfInclude).then(
      entry('TXT', 'SPF include: the addresses Postbode sends from (tenants include it)', true),
    ),
    checkDmarc(dns, sendingDomain, input.reportAddress).then((r) =>
      entry('TXT', 'DMARC: policy and reports for the sending domain', false)(r.check),
    ),
    ...(separateBounce === null ? [] : domainChecks(input, separateBounce)),
    checkMtaSts(dns, sendingDomain, input.hostname).then(
      entry('TXT', 'MTA-STS: senders must use TLS to reach us', false),
    ),
    checkTlsRpt(dns, sendingDomain, input.tlsReportAddress).then(
      entry('TXT', 'TLS-RPT: reports of TLS failures', false),
    ),
    checkHelo(dns, input.hostname).then(entry('A/AAAA+PTR', 'HELO name: resolves to our address and back', true)),
  ]);
  return {
    sendingDomain,
    bounceDomain: separateBounce,
    hostname: input.hostname,
    ok: records.every((r) => !r.required || r.status === 'ok'),
    records,
  };
}
