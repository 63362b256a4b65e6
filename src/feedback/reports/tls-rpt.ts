import { ReportRejected } from './report-error.js';
import type { ReportLimits } from './report-limits.js';
import type { TlsFailure, TlsReport } from './report-records.js';

type Json = Record<string, unknown>;

/**
 * Reads a TLS-RPT report (RFC 8460 JSON): one report per policy domain it names, each with
 * its session counts and failure details (bounded to `maxRows` details).
 */
export function parseTlsReport(text: string, limits: ReportLimits): TlsReport[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ReportRejected('bad-json', 'report is not JSON');
  }
  if (!isObject(json) || !Array.isArray(json.policies)) throw new ReportRejected('not-a-report', 'no policies');
  const range = isObject(json['date-range']) ? json['date-range'] : {};
  const base = {
    kind: 'tls' as const,
    org: str(json['organization-name'], 200),
    reportId: str(json['report-id'], 200),
    begin: time(range['start-datetime']),
    end: time(range['end-datetime']),
  };
  const reports = new Map<string, TlsReport>();
  for (const policy of json.policies.slice(0, limits.maxRows).filter(isObject)) {
    const one = policyReport(policy, limits);
    if (one.domain === '') continue;
    const seen = reports.get(one.domain);
    reports.set(one.domain, seen ? merge(seen, one, limits) : { ...base, ...one });
  }
  if (reports.size === 0) throw new ReportRejected('not-a-report', 'no policy domain');
  return [...reports.values()];
}

type PolicyPart = Pick<TlsReport, 'domain' | 'policyType' | 'successes' | 'failures' | 'details'>;

function policyReport(entry: Json, limits: ReportLimits): PolicyPart {
  const policy = isObject(entry.policy) ? entry.policy : {};
  const summary = isObject(entry.summary) ? entry.summary : {};
  const details = Array.isArray(entry['failure-details']) ? entry['failure-details'] : [];
  return {
    domain: str(policy['policy-domain'], 255).toLowerCase(),
    policyType: str(policy['policy-type'], 30),
    successes: num(summary['total-successful-session-count']),
    failures: num(summary['total-failure-session-count']),
    details: details.slice(0, limits.maxRows).filter(isObject).map(failure),
  };
}

function failure(detail: Json): TlsFailure {
  return {
    resultType: str(detail['result-type'], 60) || 'unknown',
    count: num(detail['failed-session-count']),
    receivingMx: str(detail['receiving-mx-hostname'], 255),
    sendingIp: str(detail['sending-mta-ip'], 64),
  };
}

function merge(a: TlsReport, b: PolicyPart, limits: ReportLimits): TlsReport {
  return {
    ...a,
    successes: a.successes + b.successes,
    failures: a.failures + b.failures,
    details: [...a.details, ...b.details].slice(0, limits.maxRows),
  };
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown, max: number): string {
  return typeof value === 'string' ? value.trim().slice(0, max) : '';
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : 0;
}

function time(value: unknown): number {
  const t = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return Number.isFinite(t) ? t : 0;
}
