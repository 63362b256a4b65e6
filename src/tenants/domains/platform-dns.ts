import type { Config } from '../../config/schema.js';
import type { DnsLookup } from '../../mailauth/dns-lookup.js';
import { checkPlatformDns, type PlatformDnsReport } from '../../mailauth/dns-platform.js';
import type { DomainReader } from './domain-store.js';
import { PLATFORM_OWNER } from './domain-types.js';
import { proposedDmarcReportAddress, reportAddress } from '../report-addresses.js';

/** The platform's own DNS records, checked on demand (admin API and screen). */
export interface PlatformDns {
  /** Null without `platform.sendingDomain`: the platform publishes nothing then. */
  check(): Promise<PlatformDnsReport | null>;
}

export function createPlatformDns(
  config: Config,
  store: DomainReader,
  resolver: DnsLookup,
  spfInclude: string,
): PlatformDns {
  return {
    async check() {
      const sendingDomain = config.platform.sendingDomain;
      if (sendingDomain === null) return null;
      const record = store.get(sendingDomain.toLowerCase(), PLATFORM_OWNER);
      return checkPlatformDns({
        sendingDomain,
        bounceDomain: config.platform.bounceDomain,
        hostname: config.hostname,
        spfInclude,
        keys: (record?.selectors ?? []).filter((s) => s.state === 'active'),
        reportAddress: proposedDmarcReportAddress(config) ?? `postmaster@${sendingDomain}`,
        // The MX reads TLS reports at their own address (src/feedback/reports/); without it, the DMARC one.
        tlsReportAddress: config.mx.enabled
          ? reportAddress('tls', sendingDomain)
          : (proposedDmarcReportAddress(config) ?? `postmaster@${sendingDomain}`),
        resolver,
      });
    },
  };
}
