import { parseMail } from '../../mime/parse-mail.js';
import { parseDmarcAggregate } from './dmarc-aggregate.js';
import { ReportRejected } from './report-error.js';
import type { ReportLimits } from './report-limits.js';
import type { ParsedReport } from './report-records.js';
import { parseTlsReport } from './tls-rpt.js';
import { unpackReport } from './unpack.js';

/** Attachments looked at per mail: a report mail has one; a mail with many is not a report. */
const MAX_ATTACHMENTS = 5;

/**
 * The reports in a report mail: each attachment (zip, gzip or plain) is unpacked within the
 * limits and read as a DMARC aggregate report (XML) or a TLS-RPT report (JSON), by its content
 * rather than its declared type, which reporters get wrong. Throws ReportRejected when none is.
 */
export async function readReports(raw: Buffer, limits: ReportLimits): Promise<ParsedReport[]> {
  const mail = await parseMail(raw, { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true });
  const files = mail.attachments.slice(0, MAX_ATTACHMENTS).map((a) => a.content);
  if (files.length === 0) throw new ReportRejected('no-report', 'the mail has no attachment');
  const reports: ParsedReport[] = [];
  let firstError: unknown;
  for (const file of files) {
    try {
      reports.push(...(await readReportFile(file, limits)));
    } catch (err) {
      firstError ??= err;
    }
  }
  if (reports.length === 0) throw firstError;
  return reports;
}

/** One report file, compressed or not. */
export async function readReportFile(file: Buffer, limits: ReportLimits): Promise<ParsedReport[]> {
  const text = (await unpackReport(file, limits)).toString('utf8').replace(/^\uFEFF/, '');
  const first = text.trimStart()[0];
  if (first === '<') return [parseDmarcAggregate(text, limits)];
  if (first === '{') return parseTlsReport(text, limits);
  throw new ReportRejected('not-a-report', 'neither XML nor JSON');
}
