import { fieldName, findHeaderEnd, headerBlockEnd, splitFields } from '../mime/index.js';

/**
 * The machine-readable part of a delivery status notification (RFC 3464 multipart/report):
 * one entry per recipient block of its message/delivery-status part, and the Message-ID of
 * the returned original (text/rfc822-headers or message/rfc822) when there is one.
 * A small MIME walk of our own: mailparser folds message/delivery-status into the text.
 */
export interface DsnRecipient {
  /** Final-Recipient (else Original-Recipient) address, without the `rfc822;` type. */
  readonly recipient: string;
  /** Original-Recipient when given as well: the address before any forwarding at the far end. */
  readonly originalRecipient?: string;
  readonly action: string;
  readonly status?: string;
  /** Diagnostic-Code without its type, unfolded: the remote server's reply. */
  readonly diagnostic?: string;
}

export interface ParsedDsn {
  readonly recipients: readonly DsnRecipient[];
  readonly originalMessageId?: string;
}

/** One MIME part as latin1 text: its header fields (name in lower case → unfolded value) and its raw body. */
export interface Part {
  readonly headers: Map<string, string>;
  readonly body: string;
}

/** Header lines unfolded into name (lower case) → value; the first of a repeated name wins. */
export function parseFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const { text: field } of splitFields(text)) {
    const name = fieldName(field);
    if (name === '' || fields.has(name)) continue;
    // Report fields fold long diagnostics: each fold reads as one space.
    fields.set(
      name,
      field
        .slice(field.indexOf(':') + 1)
        .replace(/\r?\n[ \t]+/g, ' ')
        .trim(),
    );
  }
  return fields;
}

/** A part as latin1 text (one character per byte), so byte offsets are string offsets. */
function splitPart(text: string): Part {
  const bounds = findHeaderEnd(Buffer.from(text, 'latin1')) ?? { end: text.length, bodyStart: text.length };
  return { headers: parseFields(text.slice(0, bounds.end)), body: text.slice(bounds.bodyStart) };
}

function boundaryOf(contentType: string | undefined): string | undefined {
  const match = /boundary\s*=\s*(?:"([^"]+)"|([^\s;]+))/i.exec(contentType ?? '');
  return match?.[1] ?? match?.[2];
}

export function decode(part: Part): string {
  const encoding = (part.headers.get('content-transfer-encoding') ?? '').toLowerCase();
  if (encoding === 'base64') return Buffer.from(part.body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    return part.body
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
  return part.body;
}

/** The leaf parts of a MIME message, depth-first, at most `depth` levels down. */
function leaves(part: Part, depth = 4): Part[] {
  const type = (part.headers.get('content-type') ?? 'text/plain').toLowerCase();
  const boundary = boundaryOf(part.headers.get('content-type'));
  if (!type.startsWith('multipart/') || boundary === undefined || depth === 0) return [part];
  const pieces = part.body.split(new RegExp(`\\r?\\n?--${escapeRegExp(boundary)}(?:--)?[ \\t]*\\r?\\n?`));
  return pieces
    .slice(1, -1)
    .filter((p) => p.trim() !== '')
    .flatMap((p) => leaves(splitPart(p), depth - 1));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function typedValue(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const semi = value.indexOf(';');
  const bare = (semi >= 0 ? value.slice(semi + 1) : value).trim();
  return bare === '' ? undefined : bare;
}

function recipientBlock(fields: Map<string, string>): DsnRecipient | undefined {
  const address = typedValue(fields.get('final-recipient') ?? fields.get('original-recipient'))?.replace(/^<|>$/g, '');
  const original = typedValue(fields.get('original-recipient'))?.replace(/^<|>$/g, '');
  const action = fields.get('action');
  if (address === undefined || action === undefined) return undefined;
  const status = /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(fields.get('status') ?? '')?.[1];
  const diagnostic = typedValue(fields.get('diagnostic-code'));
  return {
    recipient: address,
    ...(original !== undefined && original !== address ? { originalRecipient: original } : {}),
    action: action.toLowerCase().split(/\s/)[0] ?? action,
    ...(status ? { status } : {}),
    ...(diagnostic ? { diagnostic } : {}),
  };
}

/**
 * The leaf parts of a multipart/report whose report-type is `reportType` (e.g. `feedback-report`, RFC 6522), or
 * undefined for any other message. Shared by the other report readers (ARF), so there is one MIME walk here.
 */
export function reportParts(raw: Buffer, reportType: string): Part[] | undefined {
  const top = splitPart(raw.toString('latin1'));
  const type = top.headers.get('content-type') ?? '';
  if (!/^multipart\/report\b/i.test(type)) return undefined;
  const declared = /report-type\s*=\s*"?([\w-]+)/i.exec(type)?.[1];
  return declared?.toLowerCase() === reportType ? leaves(top) : undefined;
}

/** Undefined when the message is not a multipart/report with a delivery-status part. */
export function parseDsn(raw: Buffer): ParsedDsn | undefined {
  const top = splitPart(raw.toString('latin1'));
  if (!/^multipart\/report\b/i.test(top.headers.get('content-type') ?? '')) return undefined;
  const parts = leaves(top);
  const status = parts.find((p) =>
    /^message\/(?:global-)?delivery-status\b/i.test(p.headers.get('content-type') ?? ''),
  );
  if (!status) return undefined;
  const blocks = decode(status)
    .split(/\r?\n[ \t]*\r?\n/)
    .slice(1);
  const recipients = blocks
    .map((b) => recipientBlock(parseFields(b)))
    .filter((r): r is DsnRecipient => r !== undefined);
  const original = parts.find((p) =>
    /^(?:text\/rfc822-headers|message\/rfc822)\b/i.test(p.headers.get('content-type') ?? ''),
  );
  const originalMessageId = original ? parseFields(decode(original)).get('message-id') : undefined;
  return { recipients, ...(originalMessageId ? { originalMessageId } : {}) };
}

/** The top header block's fields (name in lower case → first value), unfolded; the body is not read. */
export function headerFieldsOf(raw: Buffer): Map<string, string> {
  return parseFields(raw.toString('latin1', 0, headerBlockEnd(raw)));
}
