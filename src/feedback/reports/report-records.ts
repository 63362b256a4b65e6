/** What the report store keeps of one received report (parsed and bounded; the raw file is not kept). */

export type AuthResult = 'pass' | 'fail' | 'other';

/** One row of a DMARC aggregate report: mail from one source IP with one outcome. */
export interface DmarcRow {
  readonly sourceIp: string;
  readonly count: number;
  readonly headerFrom: string;
  /** DMARC's own verdicts: DKIM and SPF each passed and aligned with the From domain. */
  readonly dkim: AuthResult;
  readonly spf: AuthResult;
  /** none, quarantine or reject: what the receiver did. */
  readonly disposition: string;
}

export interface DmarcReport {
  readonly kind: 'dmarc';
  readonly org: string;
  readonly reportId: string;
  /** Period covered, ms since epoch. */
  readonly begin: number;
  readonly end: number;
  /** policy_published/domain, lower case. */
  readonly domain: string;
  readonly policy: string;
  readonly rows: readonly DmarcRow[];
  /** Rows past the limit, counted in `droppedMessages` only. */
  readonly droppedRows: number;
  readonly droppedMessages: number;
}

/** TLS-RPT (RFC 8460) failure details of one result type. */
export interface TlsFailure {
  readonly resultType: string;
  readonly count: number;
  readonly receivingMx: string;
  readonly sendingIp: string;
}

export interface TlsReport {
  readonly kind: 'tls';
  readonly org: string;
  readonly reportId: string;
  readonly begin: number;
  readonly end: number;
  /** policy-domain, lower case. */
  readonly domain: string;
  /** sts, tlsa or no-policy-found (the first policy's; one report per domain). */
  readonly policyType: string;
  readonly successes: number;
  readonly failures: number;
  readonly details: readonly TlsFailure[];
}

export type ParsedReport = DmarcReport | TlsReport;

/** A stored report: the log entry of its domain's scope (`<owner>/<domain>`, owner a tenant id or "platform"). */
export type StoredReport = ParsedReport & {
  readonly id: string;
  /** When it arrived. */
  readonly at: number;
  readonly owner: string;
};
