import { rfc5322Date } from '../../core/rfc5322-date.js';
import { findField, type HeaderBlock, type HeaderField } from '../../mime/index.js';

/** What the Received: line and the added headers say about this message. */
export interface TraceInfo {
  /** HELO/EHLO name the client gave. */
  readonly helo: string;
  /** Reverse name, or the address as a literal like `[192.0.2.1]`. */
  readonly clientHostname: string;
  /** Our name. */
  readonly hostname: string;
  /** ESMTP, ESMTPS, ESMTPA, ESMTPSA (smtp-server's session.transmissionType). */
  readonly transmission: string;
  readonly queueId: string;
  readonly recipients: readonly string[];
  /** Receive time, ms since epoch. */
  readonly now: number;
}

export interface Traced {
  readonly message: Buffer;
  /** The Message-ID header value as stored, e.g. `<id@host>`. */
  readonly messageId: string;
}

const CRLF = '\r\n';

/**
 * Prepends Received: and appends Date: and Message-ID: to the header block when missing.
 * Every other byte of the message stays as it was (signatures the client made survive).
 */
export function addTraceHeaders(
  buf: Buffer,
  header: HeaderBlock,
  fields: readonly HeaderField[],
  info: TraceInfo,
): Traced {
  const existingId = findField(fields, 'message-id');
  const messageId = existingId ? existingId.value : `<${info.queueId}@${info.hostname}>`;
  let added = '';
  if (!findField(fields, 'date')) added += `Date: ${rfc5322Date(info.now)}${CRLF}`;
  if (!existingId) added += `Message-ID: ${messageId}${CRLF}`;
  const head = buf.subarray(0, header.end);
  const tail = buf.subarray(header.end);
  const parts: Buffer[] = [Buffer.from(receivedHeader(info), 'utf8'), head];
  // A headers-only message whose last line lacks its CRLF: end that line before adding ours.
  if (head.length > 0 && !endsWithCrlf(head)) parts.push(Buffer.from(CRLF));
  parts.push(Buffer.from(added, 'utf8'));
  // Plain text with no header block at all: our headers need a blank line before the body.
  if (header.end === 0 && !header.hasSeparator) parts.push(Buffer.from(CRLF));
  parts.push(tail);
  return { message: Buffer.concat(parts), messageId };
}

export function receivedHeader(info: TraceInfo): string {
  const rcpt = info.recipients.length === 1 ? `${CRLF}\tfor <${info.recipients[0]}>` : '';
  return (
    `Received: from ${info.helo || 'unknown'} (${info.clientHostname})${CRLF}` +
    `\tby ${info.hostname} (Postbode) with ${info.transmission} id ${info.queueId}${rcpt};${CRLF}` +
    `\t${rfc5322Date(info.now)}${CRLF}`
  );
}

function endsWithCrlf(buf: Buffer): boolean {
  return buf.length >= 2 && buf[buf.length - 2] === 0x0d && buf[buf.length - 1] === 0x0a;
}
