import type { DmarcReport, StoredReport, TlsReport } from './report-records.js';
import { reportText } from './report-texts.js';

/** Sending addresses listed per domain: the biggest ones, by messages. */
export const TOP_SOURCES = 20;

export interface SourceSummary {
  readonly ip: string;
  readonly messages: number;
  /** Messages that passed DMARC (DKIM or SPF passed and aligned). */
  readonly pass: number;
  readonly fail: number;
}

export interface PassFail {
  readonly pass: number;
  readonly fail: number;
}

export interface ReportAdvice {
  readonly code: string;
  /** In English; the API answers in the request's language. */
  readonly advice: string;
  /** The numbers and names in the text, to word it in another language (report-texts.ts). */
  readonly params: Readonly<Record<string, string | number>>;
}

/** What a domain's reports say, over a period: who sends as it, what passes, what fails, what to fix. */
export interface ReportSummary {
  readonly domain: string;
  readonly since: number;
  readonly dmarc: {
    readonly reports: number;
    readonly messages: number;
    readonly dkim: PassFail;
    readonly spf: PassFail;
    readonly dmarc: PassFail;
    /** Failed messages the receivers put in spam (quarantine) or refused (reject). */
    readonly quarantined: number;
    readonly rejected: number;
    readonly policy: string | null;
    readonly sources: readonly SourceSummary[];
    readonly reporters: readonly string[];
  };
  readonly tls: {
    readonly reports: number;
    readonly successes: number;
    readonly failures: number;
    readonly failureTypes: readonly { readonly resultType: string; readonly count: number }[];
  };
  readonly whatToFix: readonly ReportAdvice[];
}

export function summarise(domain: string, since: number, reports: readonly StoredReport[]): ReportSummary {
  const dmarcReports = reports.filter((r): r is StoredReport & DmarcReport => r.kind === 'dmarc');
  const tlsReports = reports.filter((r): r is StoredReport & TlsReport => r.kind === 'tls');
  const dmarc = dmarcPart(dmarcReports);
  const tls = tlsPart(tlsReports);
  return { domain, since, dmarc, tls, whatToFix: advise(domain, reports.length, dmarc, tls) };
}

function dmarcPart(reports: readonly DmarcReport[]): ReportSummary['dmarc'] {
  const tally = { messages: 0, dkimPass: 0, spfPass: 0, pass: 0, quarantined: 0, rejected: 0 };
  const sources = new Map<string, { messages: number; pass: number }>();
  for (const row of reports.flatMap((r) => r.rows)) {
    const passed = row.dkim === 'pass' || row.spf === 'pass';
    tally.messages += row.count;
    if (row.dkim === 'pass') tally.dkimPass += row.count;
    if (row.spf === 'pass') tally.spfPass += row.count;
    if (passed) tally.pass += row.count;
    else if (row.disposition === 'quarantine') tally.quarantined += row.count;
    else if (row.disposition === 'reject') tally.rejected += row.count;
    const source = sources.get(row.sourceIp) ?? { messages: 0, pass: 0 };
    sources.set(row.sourceIp, { messages: source.messages + row.count, pass: source.pass + (passed ? row.count : 0) });
  }
  const split = (pass: number): PassFail => ({ pass, fail: tally.messages - pass });
  return {
    reports: reports.length,
    messages: tally.messages,
    dkim: split(tally.dkimPass),
    spf: split(tally.spfPass),
    dmarc: split(tally.pass),
    quarantined: tally.quarantined,
    rejected: tally.rejected,
    policy: reports[0]?.policy || null,
    sources: [...sources]
      .map(([ip, s]) => ({ ip, messages: s.messages, pass: s.pass, fail: s.messages - s.pass }))
      .sort((a, b) => b.messages - a.messages || a.ip.localeCompare(b.ip))
      .slice(0, TOP_SOURCES),
    reporters: [...new Set(reports.map((r) => r.org).filter((o) => o !== ''))].sort().slice(0, TOP_SOURCES),
  };
}

function tlsPart(reports: readonly TlsReport[]): ReportSummary['tls'] {
  const types = new Map<string, number>();
  for (const d of reports.flatMap((r) => r.details)) types.set(d.resultType, (types.get(d.resultType) ?? 0) + d.count);
  return {
    reports: reports.length,
    successes: reports.reduce((n, r) => n + r.successes, 0),
    failures: reports.reduce((n, r) => n + r.failures, 0),
    failureTypes: [...types]
      .map(([resultType, count]) => ({ resultType, count }))
      .sort((a, b) => b.count - a.count || a.resultType.localeCompare(b.resultType)),
  };
}

function advise(
  domain: string,
  total: number,
  dmarc: ReportSummary['dmarc'],
  tls: ReportSummary['tls'],
): ReportAdvice[] {
  const say = (code: string, extra: Record<string, string | number> = {}): ReportAdvice => {
    const params = { domain, ...extra };
    return { code, advice: reportText(code, params, 'en'), params };
  };
  if (total === 0) return [say('report-none')];
  const out: ReportAdvice[] = [];
  const failing = dmarc.sources.filter((s) => s.fail > 0);
  if (dmarc.dmarc.fail > 0)
    out.push(say('report-unknown-senders', { count: dmarc.dmarc.fail, sources: failing.length }));
  if (dmarc.quarantined + dmarc.rejected > 0)
    out.push(say('report-blocked', { count: dmarc.quarantined + dmarc.rejected }));
  if (tls.failures > 0)
    out.push(say('report-tls-failures', { count: tls.failures, type: tls.failureTypes[0]?.resultType ?? 'unknown' }));
  if (out.length > 0) return out;
  if (dmarc.messages > 0 && dmarc.policy === 'none') return [say('report-tighten')];
  return [say('report-all-good')];
}
