import type { Config } from '../config/schema.js';

/**
 * The platform's addresses for DMARC aggregate (RFC 7489) and TLS-RPT (RFC 8460) reports, on
 * `platform.sendingDomain`: the DMARC and TLS-RPT records Postbode proposes point here, and the
 * inbound MX takes what arrives (src/feedback/reports/). Reserved: no tenant can claim them.
 */
export const REPORT_LOCAL_PARTS = { dmarc: 'dmarc-reports', tls: 'tls-reports' } as const;

export type ReportKind = keyof typeof REPORT_LOCAL_PARTS;

export function reportAddress(kind: ReportKind, sendingDomain: string): string {
  return `${REPORT_LOCAL_PARTS[kind]}@${sendingDomain.toLowerCase()}`;
}

/**
 * The `rua` address of the DMARC record proposed to tenants: the operator's `dns.dmarcReportAddress` if set, else
 * ours when the platform has a domain and the inbound MX runs (it takes them); null: the domain's own postmaster.
 */
export function proposedDmarcReportAddress(config: Pick<Config, 'dns' | 'platform' | 'mx'>): string | null {
  const sendingDomain = config.platform.sendingDomain;
  if (config.dns.dmarcReportAddress !== null) return config.dns.dmarcReportAddress;
  return sendingDomain !== null && config.mx.enabled ? reportAddress('dmarc', sendingDomain) : null;
}

/**
 * What the platform publishes so that reports reach it: the authorisation that lets tenants' DMARC records send
 * their reports to our domain (RFC 7489 7.1; a wildcard, so one record covers every tenant), and the TLS-RPT
 * record of the platform's own MX (RFC 8460).
 */
export function platformReportRecords(sendingDomain: string): { name: string; type: 'TXT'; value: string }[] {
  return [
    { name: `*._report._dmarc.${sendingDomain}`, type: 'TXT', value: 'v=DMARC1' },
    {
      name: `_smtp._tls.${sendingDomain}`,
      type: 'TXT',
      value: `v=TLSRPTv1; rua=mailto:${reportAddress('tls', sendingDomain)}`,
    },
  ];
}

/** Whether a local part (lower case) is one of the report addresses, and which. */
export function reportKindOf(localPart: string): ReportKind | undefined {
  if (localPart === REPORT_LOCAL_PARTS.dmarc) return 'dmarc';
  if (localPart === REPORT_LOCAL_PARTS.tls) return 'tls';
  return undefined;
}
