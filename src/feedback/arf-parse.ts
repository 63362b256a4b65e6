import { decode, headerFieldsOf, parseFields, reportParts } from './dsn-parse.js';

/**
 * An abuse report in the Abuse Reporting Format (RFC 5965): what a receiver's feedback loop sends when its user marks a
 * message as spam. The fields that find our message again: the envelope sender it came with (our VERP address), the
 * recipient, and the original's headers (its Return-Path, Message-ID, From).
 */
export interface ArfReport {
  /** `abuse`, `fraud`, `virus`, `other`, `not-spam`... (lower case). */
  readonly feedbackType: string;
  readonly originalMailFrom?: string;
  /** Original-Rcpt-To fields (receivers often redact them). */
  readonly originalRcptTo: readonly string[];
  /** Header fields of the returned original (message/rfc822 or text/rfc822-headers); empty when none came. */
  readonly original: ReadonlyMap<string, string>;
}

const ORIGINAL = /^(?:message\/rfc822|text\/rfc822-headers)\b/i;

/** Undefined for anything but a multipart/report; report-type=feedback-report with its feedback-report part. */
export function parseArf(raw: Buffer): ArfReport | undefined {
  // The header block alone says whether this is a report: the rest of the MX's mail is not read twice.
  if (!/report-type\s*=\s*"?feedback-report/i.test(headerFieldsOf(raw).get('content-type') ?? '')) return undefined;
  const parts = reportParts(raw, 'feedback-report');
  const report = parts?.find((p) => /^message\/feedback-report\b/i.test(p.headers.get('content-type') ?? ''));
  if (parts === undefined || report === undefined) return undefined;
  const text = decode(report);
  const fields = parseFields(text);
  const original = parts.find((p) => ORIGINAL.test(p.headers.get('content-type') ?? ''));
  const mailFrom = bare(fields.get('original-mail-from'));
  return {
    feedbackType: (fields.get('feedback-type') ?? 'other').toLowerCase(),
    ...(mailFrom === undefined ? {} : { originalMailFrom: mailFrom }),
    originalRcptTo: rcptTos(text),
    original: original === undefined ? new Map() : parseFields(decode(original)),
  };
}

/** An address field's value without its angle brackets; undefined when empty. */
export function bare(value: string | undefined): string | undefined {
  const address = value?.trim().replace(/^<|>$/g, '').trim();
  return address === undefined || address === '' ? undefined : address;
}

/** Original-Rcpt-To may repeat (one per recipient); parseFields keeps the first only. */
function rcptTos(text: string): string[] {
  return [...text.matchAll(/^original-rcpt-to:[ \t]*(.+)$/gim)]
    .map((m) => bare(m[1]))
    .filter((a): a is string => a !== undefined);
}
