import { rfc5322Date } from '../core/rfc5322-date.js';
import type { QueuedMessage, RecipientState } from '../core/types.js';
import { headerBlockEnd, toCrlf } from '../mime/index.js';

/**
 * Delivery status notifications (RFC 3464): a multipart/report with a human-readable part,
 * a machine-readable message/delivery-status part and the original message's headers.
 * Pure: everything it needs comes in as parameters.
 */
export interface DsnInput {
  readonly original: QueuedMessage;
  /** The header block of the original message. */
  readonly originalHeaders: Buffer;
  /** Recipients that are now `bounced` or `expired`. */
  readonly failed: readonly RecipientState[];
  /** Our host name: Reporting-MTA and the Message-ID's domain. */
  readonly hostname: string;
  /** The From address, e.g. MAILER-DAEMON@postbode.example. */
  readonly from: string;
  readonly now: number;
  /** Queue id of the DSN, used in its Message-ID. */
  readonly id: string;
}

const CRLF = '\r\n';

/** A DSN returns the headers only, and never more than this of them. */
const MAX_HEADER_BYTES = 100 * 1024;

/**
 * The header block of a stored message, as a DSN returns it: everything before the first
 * blank line (the whole message when there is none), cut at a line end below MAX_HEADER_BYTES.
 */
export function headerBlockOf(raw: Buffer): Buffer {
  return raw.subarray(0, headerBlockEnd(raw, MAX_HEADER_BYTES));
}

/** Header fields and report fields are single lines, whatever a remote server sent us. */
function clean(text: string): string {
  return text
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/[\x00-\x1f\x7f]/g, '')
    .trim();
}

/** The RFC 3463 status for the report: the reply's own enhanced code when it is permanent. */
export function dsnStatus(recipient: RecipientState): string {
  if (recipient.status === 'expired') return '4.4.7';
  const match = /^\d{3}[ -]([245]\.\d{1,3}\.\d{1,3})(?=\s|$)/.exec(lastReply(recipient));
  return match?.[1]?.startsWith('5.') ? match[1] : '5.0.0';
}

/** The last reply a server (or we) gave for this recipient. */
function lastReply(recipient: RecipientState): string {
  const fromHistory = recipient.history.at(-1)?.reply;
  return clean(
    recipient.status === 'expired'
      ? (fromHistory ?? recipient.lastReply ?? '')
      : (recipient.lastReply ?? fromHistory ?? ''),
  );
}

/** "mx.example[192.0.2.1]:25" or "smtp.example:587" → the host name. */
function remoteHost(nextHop: string | undefined): string | undefined {
  if (!nextHop) return undefined;
  const host = nextHop.replace(/\[[^\]]*\]/, '').replace(/:\d+$/, '');
  return host === '' ? undefined : clean(host);
}

function humanLine(r: RecipientState): string {
  const reply = lastReply(r);
  if (r.status === 'expired') {
    const reason = clean(r.lastReply ?? 'delivery time expired');
    return `<${r.address}>: ${reason}${reply && reply !== reason ? `; the last reply was: ${reply}` : ''}`;
  }
  const host = remoteHost(r.history.at(-1)?.nextHop);
  return `<${r.address}>: ${host ? `refused by ${host}: ` : ''}${reply || 'refused'}`;
}

function humanText(input: DsnInput): string {
  const { original } = input;
  const lines = [
    `This is the mail system at host ${input.hostname}.`,
    '',
    'Your message could not be delivered to one or more recipients.',
    'It is returned to you with the delivery report below.',
    '',
    `Message-ID: ${clean(original.messageId)}`,
    ...(original.subject !== undefined ? [`Subject: ${clean(original.subject)}`] : []),
    `Queued: ${rfc5322Date(original.receivedAt)}`,
    '',
    ...input.failed.map(humanLine),
    '',
  ];
  return lines.join(CRLF);
}

function recipientFields(r: RecipientState): string {
  const last = r.history.at(-1);
  const host = remoteHost(last?.nextHop);
  const reply = lastReply(r);
  return (
    [
      `Final-Recipient: rfc822; ${clean(r.address)}`,
      'Action: failed',
      `Status: ${dsnStatus(r)}`,
      ...(host ? [`Remote-MTA: dns; ${host}`] : []),
      ...(reply ? [`Diagnostic-Code: smtp; ${reply}`] : []),
      ...(last ? [`Last-Attempt-Date: ${rfc5322Date(last.at)}`] : []),
    ].join(CRLF) + CRLF
  );
}

function deliveryStatus(input: DsnInput): string {
  const perMessage =
    [
      `Reporting-MTA: dns; ${input.hostname}`,
      `X-Postbode-Queue-ID: ${input.original.id}`,
      `Arrival-Date: ${rfc5322Date(input.original.receivedAt)}`,
    ].join(CRLF) + CRLF;
  return [perMessage, ...input.failed.map(recipientFields)].join(CRLF);
}

/** 7bit when it can be, base64 otherwise (addresses and subjects may be UTF-8). */
function textPart(text: string): string {
  if (/^[\x00-\x7f]*$/.test(text)) {
    return `Content-Type: text/plain; charset=us-ascii${CRLF}Content-Transfer-Encoding: 7bit${CRLF}${CRLF}${text}`;
  }
  const b64 = Buffer.from(text, 'utf8').toString('base64').replace(/.{76}/g, `$&${CRLF}`);
  return `Content-Type: text/plain; charset=utf-8${CRLF}Content-Transfer-Encoding: base64${CRLF}${CRLF}${b64}${CRLF}`;
}

function topHeaders(input: DsnInput, boundary: string): string {
  return (
    [
      `From: Mail Delivery System <${input.from}>`,
      `To: <${clean(input.original.envelope.from)}>`,
      'Subject: Undelivered Mail Returned to Sender',
      `Date: ${rfc5322Date(input.now)}`,
      `Message-ID: <${input.id}@${input.hostname}>`,
      'MIME-Version: 1.0',
      'Auto-Submitted: auto-replied',
      `Content-Type: multipart/report; report-type=delivery-status;${CRLF}\tboundary="${boundary}"`,
    ].join(CRLF) +
    CRLF +
    CRLF
  );
}

export function buildDsn(input: DsnInput): Buffer {
  const boundary = `=_postbode_report_${input.id}`;
  const head = [
    topHeaders(input, boundary),
    `This is a MIME-encapsulated message.${CRLF}${CRLF}`,
    `--${boundary}${CRLF}`,
    textPart(humanText(input)),
    CRLF,
    `--${boundary}${CRLF}`,
    `Content-Type: message/delivery-status${CRLF}${CRLF}`,
    deliveryStatus(input),
    CRLF,
    `--${boundary}${CRLF}`,
    `Content-Type: text/rfc822-headers${CRLF}Content-Description: Undelivered Message Headers${CRLF}${CRLF}`,
  ].join('');
  const tail = `${CRLF}--${boundary}--${CRLF}`;
  return Buffer.concat([Buffer.from(head, 'utf8'), toCrlf(input.originalHeaders), Buffer.from(tail, 'utf8')]);
}
