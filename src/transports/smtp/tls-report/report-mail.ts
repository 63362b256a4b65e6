import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { rfc5322Date } from '../../../core/rfc5322-date.js';

/** The report as mail (RFC 8460 5.3): multipart/report of type tlsrpt, the JSON gzipped as application/tlsrpt+gzip. */
export interface ReportMailInput {
  readonly from: string;
  readonly to: readonly string[];
  readonly organization: string;
  readonly domain: string;
  readonly reportId: string;
  readonly start: number;
  readonly end: number;
  readonly json: string;
  readonly hostname: string;
  readonly now: number;
}

const CRLF = '\r\n';

/** Header values we write come from DNS and config: one line, no control characters. */
const oneLine = (text: string): string => text.replace(/[\x00-\x1f\x7f]+/g, ' ').trim();

function base64Lines(bytes: Buffer): string {
  return (bytes.toString('base64').match(/.{1,76}/g) ?? []).join(CRLF);
}

export function reportMail(input: ReportMailInput): Buffer {
  const boundary = `tlsrpt-${randomBytes(12).toString('hex')}`;
  const org = oneLine(input.organization);
  const domain = oneLine(input.domain);
  const seconds = (ms: number): number => Math.floor(ms / 1000);
  // RFC 8460 5.1: sender (our domain) "!" policy-domain "!" begin "!" end, in seconds
  const sender = oneLine(input.hostname);
  const filename = `${sender}!${domain}!${seconds(input.start)}!${seconds(input.end)}.json.gz`.replace(/["\\\s]/g, '_');
  const headers = [
    `From: ${oneLine(input.from)}`,
    `To: ${input.to.map(oneLine).join(', ')}`,
    `Subject: Report Domain: ${domain} Submitter: ${org} Report-ID: <${oneLine(input.reportId)}>`,
    `Date: ${rfc5322Date(input.now)}`,
    `Message-ID: <${randomBytes(12).toString('hex')}@${oneLine(input.hostname)}>`,
    `TLS-Report-Domain: ${domain}`,
    `TLS-Report-Submitter: ${org}`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type="tlsrpt"; boundary="${boundary}"`,
  ];
  const body = [
    `--${boundary}`,
    'Content-Type: text/plain; charset=us-ascii',
    '',
    `This is an aggregate TLS report (RFC 8460) from ${org} for ${domain}.`,
    `--${boundary}`,
    'Content-Type: application/tlsrpt+gzip',
    'Content-Transfer-Encoding: base64',
    `Content-Disposition: attachment; filename="${filename}"`,
    '',
    base64Lines(gzipSync(Buffer.from(input.json, 'utf8'))),
    `--${boundary}--`,
    '',
  ];
  return Buffer.from([...headers, '', ...body].join(CRLF), 'utf8');
}
