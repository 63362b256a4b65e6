import { createHash } from 'node:crypto';
import type { TlsSettings } from './client/connection.js';
import { daneCheck } from './dane/tlsa-match.js';
import type { TlsaRecord } from './dane/tlsa-lookup.js';
import type { StsLookup } from './mta-sts/mta-sts.js';
import type { AppliedPolicy } from './tls-report/tls-outcomes.js';

/**
 * How the session with one mail host is secured, from the recipient domain's published
 * policies. DANE wins over MTA-STS (RFC 8461 2): TLS required, the certificate checked
 * against the TLSA records. An MTA-STS policy in enforce mode: TLS required with a
 * certificate valid for the MX name. Otherwise opportunistic: TLS when offered, the
 * certificate checked only for the log and reports.
 */
export interface TargetSecurity {
  /** Part of the pool key: sessions secured differently never share a connection. */
  readonly key: string;
  readonly security: 'opportunistic' | 'starttls';
  readonly tls: TlsSettings;
  readonly policy: AppliedPolicy;
  /** An MTA-STS policy in testing mode: an unverified certificate is reported, not refused. */
  readonly testing: boolean;
}

const NO_POLICY: AppliedPolicy = { type: 'no-policy-found', strings: [] };

/** TLSA records in presentation form ("3 1 1 ab12…"), as TLS-RPT's policy-string has them. */
export function tlsaStrings(records: readonly TlsaRecord[]): string[] {
  return records.map((r) => `${r.usage} ${r.selector} ${r.matchingType} ${r.data.toString('hex')}`);
}

export function stsApplied(sts: StsLookup): AppliedPolicy {
  if (sts.kind !== 'policy') return NO_POLICY;
  return { type: 'sts', strings: sts.policy.lines, mxHosts: sts.policy.mx };
}

export function targetSecurity(
  mxHost: string,
  sts: StsLookup,
  tlsa: readonly TlsaRecord[] | undefined,
  ca: readonly Buffer[] | undefined,
): TargetSecurity {
  const roots = ca?.length ? { ca } : {};
  if (tlsa !== undefined) {
    const strings = tlsaStrings(tlsa);
    const digest = createHash('sha256').update(strings.join('\n')).digest('hex').slice(0, 16);
    return {
      key: `dane:${digest}`,
      security: 'starttls',
      tls: { rejectUnauthorized: false, check: daneCheck(tlsa, mxHost), ...roots },
      policy: { type: 'tlsa', strings },
      testing: false,
    };
  }
  if (sts.kind === 'policy' && sts.policy.mode === 'enforce')
    return {
      key: 'sts',
      security: 'starttls',
      tls: { rejectUnauthorized: true, ...roots },
      policy: stsApplied(sts),
      testing: false,
    };
  const testing = sts.kind === 'policy' && sts.policy.mode === 'testing';
  return {
    key: 'opportunistic',
    security: 'opportunistic',
    tls: { rejectUnauthorized: false, ...roots },
    policy: stsApplied(sts),
    testing,
  };
}
