/**
 * "Check and activate": looks up everything a tenant had to publish and reports per record,
 * in words a non-technical user understands. A domain is active when every DKIM selector
 * matches and SPF permits the platform; DMARC and the return path are reported only.
 */
import { checkDkim, type SelectorKey } from './check-dkim.js';
import { checkDmarc, dmarcAlignment } from './check-dmarc.js';
import { checkReturnPath } from './check-return-path.js';
import { checkSpf } from './check-spf.js';
import type { DomainCheck, RecordCheck } from './check-types.js';
import type { DnsLookup } from './dns-lookup.js';
import { normaliseDomain } from './spf-terms.js';

export interface DomainCheckInput {
  readonly domain: string;
  /** The keys Postbode signs with (RSA, and Ed25519 when enabled). */
  readonly selectors: readonly SelectorKey[];
  /** The platform's SPF include, e.g. `spf.postbode.example`. */
  readonly platformInclude: string;
  /** Addresses we send from; an SPF record that lists them (ip4:/ip6:) also permits us. */
  readonly platformSpfIps?: readonly string[];
  /** For the DMARC record we propose when there is none. */
  readonly dmarcReportAddress?: string;
  /** Optional bounce host under the domain and the platform host it must CNAME to. */
  readonly returnPath?: { readonly host: string; readonly target: string };
  readonly resolver: DnsLookup;
}

export async function checkDomain(input: DomainCheckInput): Promise<DomainCheck> {
  const domain = normaliseDomain(input.domain);
  const dns = input.resolver;
  const rp = input.returnPath;
  const [dkim, spf, dmarc, returnPath] = await Promise.all([
    Promise.all(input.selectors.map((key) => checkDkim(dns, domain, key))),
    checkSpf(dns, { domain, platformInclude: input.platformInclude, platformSpfIps: input.platformSpfIps ?? [] }),
    checkDmarc(dns, domain, input.dmarcReportAddress),
    rp === undefined ? Promise.resolve(null) : checkReturnPath(dns, rp.host, rp.target),
  ]);
  const dkimOk = dkim.length > 0 && dkim.every((c) => c.status === 'ok');
  const records: RecordCheck[] = [...dkim, spf.check, dmarc.check, ...(returnPath === null ? [] : [returnPath])];
  return {
    domain,
    records,
    active: dkimOk && spf.check.status === 'ok',
    dmarcAligned: dmarcAlignment(
      domain,
      dmarc.tags,
      dkimOk,
      rp === undefined || returnPath === null ? null : { host: rp.host, ok: returnPath.status === 'ok' },
    ),
    spfLookups: spf.lookups,
  };
}
