/** The result shapes of a domain's DNS check, as the API returns them. */

/** Tenant domains: dkim, spf, dmarc, return-path; the platform's own records add mx, mta-sts, tls-rpt and helo. */
export type RecordKind = 'dkim' | 'spf' | 'dmarc' | 'return-path' | 'mx' | 'mta-sts' | 'tls-rpt' | 'helo';

/**
 * `unknown`: the record could not be checked (SERVFAIL, timeout): the answer is "try again",
 * never "missing".
 */
export type CheckStatus = 'ok' | 'missing' | 'wrong' | 'unknown';

/** Stable codes for what is wrong, so callers and tests never match on the advice wording. */
export type CheckProblem =
  | 'not-found'
  | 'lookup-failed'
  | 'domain-appended-twice'
  | 'quoted'
  | 'split-record'
  | 'several-records'
  | 'key-mismatch'
  | 'revoked'
  | 'malformed'
  | 'include-missing'
  | 'two-spf-records'
  | 'too-many-lookups'
  | 'broken-include'
  | 'wrong-target'
  | 'reverse-mismatch';

export interface RecordCheck {
  readonly record: RecordKind;
  /** The DNS name that was looked up. */
  readonly name: string;
  /** Set for DKIM records. */
  readonly selector?: string;
  readonly status: CheckStatus;
  readonly problem: CheckProblem | null;
  /** What DNS holds (each record's strings joined; several records separated by " | "), or null. */
  readonly found: string | null;
  /** What should be there: the value to publish. */
  readonly expected: string;
  /** One or two sentences for a non-technical reader: what is wrong and what to do. */
  readonly advice: string;
}

export interface DmarcAlignment {
  /** The published policy, or null without a (single, valid) DMARC record. */
  readonly policy: 'none' | 'quarantine' | 'reject' | null;
  /** Our DKIM signature carries d=<domain>, the From domain: aligned once the DKIM record is ok. */
  readonly dkim: boolean;
  /** SPF aligns only when bounces use a host under the domain (the return-path CNAME). */
  readonly spf: boolean;
  /** DMARC passes when either is aligned. */
  readonly aligned: boolean;
}

export interface DomainCheck {
  readonly domain: string;
  readonly records: readonly RecordCheck[];
  /** DKIM matches for every selector and SPF permits the platform. DMARC does not block. */
  readonly active: boolean;
  readonly dmarcAligned: DmarcAlignment;
  /** DNS-querying SPF terms counted through includes (null when SPF could not be read). */
  readonly spfLookups: number | null;
}

export function unknownCheck(
  record: RecordKind,
  name: string,
  expected: string,
  code: string,
  what: string,
): RecordCheck {
  return {
    record,
    name,
    status: 'unknown',
    problem: 'lookup-failed',
    found: null,
    expected,
    advice:
      `The ${what} could not be checked because the DNS server did not answer properly (${code}). ` +
      'This is usually temporary: try again in a few minutes.',
  };
}
