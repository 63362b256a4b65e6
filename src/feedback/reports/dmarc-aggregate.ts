import { ReportRejected } from './report-error.js';
import type { ReportLimits } from './report-limits.js';
import type { AuthResult, DmarcReport, DmarcRow } from './report-records.js';
import { child, parseXml, textAt, type XmlElement } from './xml-lite.js';

/** Reads a DMARC aggregate report (RFC 7489 appendix C): the published policy and each record's row. */
export function parseDmarcAggregate(xml: string, limits: ReportLimits): DmarcReport {
  const feedback = parseXml(xml, limits.maxDepth);
  if (feedback.name !== 'feedback') throw new ReportRejected('not-a-report', `root <${feedback.name}>`);
  const meta = child(feedback, 'report_metadata');
  const domain = textAt(feedback, 'policy_published', 'domain').toLowerCase();
  if (domain === '' || meta === undefined) throw new ReportRejected('not-a-report', 'no metadata or policy domain');
  const records = feedback.children.filter((c) => c.name === 'record');
  const rows = records.slice(0, limits.maxRows).map(row);
  const dropped = records.slice(limits.maxRows).map(row);
  return {
    kind: 'dmarc',
    org: textAt(meta, 'org_name').slice(0, 200),
    reportId: textAt(meta, 'report_id').slice(0, 200),
    begin: seconds(textAt(meta, 'date_range', 'begin')),
    end: seconds(textAt(meta, 'date_range', 'end')),
    domain,
    policy: textAt(feedback, 'policy_published', 'p').toLowerCase().slice(0, 20),
    rows,
    droppedRows: dropped.length,
    droppedMessages: dropped.reduce((sum, r) => sum + r.count, 0),
  };
}

function row(record: XmlElement): DmarcRow {
  const evaluated = child(child(record, 'row'), 'policy_evaluated');
  return {
    sourceIp: textAt(record, 'row', 'source_ip').slice(0, 64),
    count: count(textAt(record, 'row', 'count')),
    headerFrom: textAt(record, 'identifiers', 'header_from').toLowerCase().slice(0, 255),
    dkim: result(textAt(evaluated, 'dkim')),
    spf: result(textAt(evaluated, 'spf')),
    disposition: textAt(evaluated, 'disposition').toLowerCase().slice(0, 20),
  };
}

function result(value: string): AuthResult {
  const v = value.toLowerCase();
  return v === 'pass' || v === 'fail' ? v : 'other';
}

function count(value: string): number {
  const n = Number(value);
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}

function seconds(value: string): number {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? Math.floor(n) * 1000 : 0;
}
