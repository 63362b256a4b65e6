import type { PolicyCounts } from './tls-outcomes.js';

/** One aggregate report (RFC 8460 4) for one policy domain and period. */
export interface ReportInput {
  readonly organization: string;
  readonly contact: string;
  readonly reportId: string;
  readonly domain: string;
  readonly start: number;
  readonly end: number;
  readonly policies: readonly PolicyCounts[];
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function policyJson(domain: string, counts: PolicyCounts): Record<string, unknown> {
  const { policy } = counts;
  const failures = [...counts.failures.values()];
  return {
    policy: {
      'policy-type': policy.type,
      ...(policy.strings.length > 0 ? { 'policy-string': [...policy.strings] } : {}),
      'policy-domain': domain,
      ...(policy.mxHosts ? { 'mx-host': [...policy.mxHosts] } : {}),
    },
    summary: {
      'total-successful-session-count': counts.success,
      'total-failure-session-count': failures.reduce((sum, f) => sum + f.count, 0),
    },
    ...(failures.length > 0
      ? {
          'failure-details': failures.map(({ detail, count }) => ({
            'result-type': detail.resultType,
            ...(detail.sendingIp ? { 'sending-mta-ip': detail.sendingIp } : {}),
            ...(detail.receivingMx ? { 'receiving-mx-hostname': detail.receivingMx } : {}),
            ...(detail.receivingIp ? { 'receiving-ip': detail.receivingIp } : {}),
            'failed-session-count': count,
          })),
        }
      : {}),
  };
}

export function reportJson(input: ReportInput): string {
  return JSON.stringify({
    'organization-name': input.organization,
    'date-range': { 'start-datetime': iso(input.start), 'end-datetime': iso(input.end) },
    'contact-info': input.contact,
    'report-id': input.reportId,
    policies: input.policies.map((p) => policyJson(input.domain, p)),
  });
}

/**
 * Report addresses per domain: a domain's owner chooses them, so a long list would make the platform mail many
 * mailboxes of someone else's choosing each day.
 */
const MAX_RUA = 2;

/** The mailto: addresses of a `v=TLSRPTv1` record's rua, at most MAX_RUA (https: ones are not sent to). */
export function ruaMailboxes(records: readonly (readonly string[])[]): string[] {
  const texts = records.map((chunks) => chunks.join('')).filter((t) => /^v=TLSRPTv1\s*(;|$)/.test(t));
  if (texts.length !== 1) return []; // RFC 8460 3: more than one record is no record
  const rua = texts[0]!
    .split(';')
    .map((f) => f.trim())
    .find((f) => f.startsWith('rua='));
  if (rua === undefined) return [];
  return rua
    .slice(4)
    .split(',')
    .map((uri) => uri.trim())
    .filter((uri) => uri.toLowerCase().startsWith('mailto:'))
    .map((uri) => decodeURIComponent(uri.slice(7).split('?')[0]!))
    .filter((address) => /^[^\s@<>,;]+@[^\s@<>,;]+$/.test(address))
    .slice(0, MAX_RUA);
}
