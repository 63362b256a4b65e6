import { isAscii, isUtf8 } from 'node:buffer';
import { findField } from './header-fields.js';
import { joinMessage, setField, splitMessage, type HeaderedMessage } from './headered-message.js';
import { leafEntities, mediaTypeOf, type MimeEntity } from './mime-parts.js';

/**
 * A message made safe for every hop before it is signed: a later relay that folds a line
 * over 998 octets (RFC 5322 2.1.1) or converts 8-bit to 7-bit (RFC 6152 hops without
 * 8BITMIME) changes the bytes and breaks a DKIM signature made before (RFC 6376 5.3 asks the
 * signer to encode first). Only the leaf parts that need it are re-encoded: text as
 * quoted-printable, anything else as base64; every other byte stays where it was.
 *
 * Cost: `needsWireEncoding` is one vectorised isAscii over the body (with `sevenBit`) and a
 * native indexOf per line; a message that is 7-bit with short lines stops there. Re-encoding
 * builds the new part in one pass over its bytes (QP grows Latin-1 text by a few per cent,
 * base64 by a third). message/* parts and signed or encrypted multiparts are never edited.
 */
export interface WireOptions {
  /** Also encode parts with 8-bit bytes (a message we sign); otherwise only over-long lines. */
  readonly sevenBit: boolean;
}

/** Octets before the CRLF (RFC 5321 4.5.3.1.6, RFC 5322 2.1.1). */
export const MAX_LINE_OCTETS = 998;
/** RFC 2045 6.7 and 6.8: encoded lines of at most 76 characters. */
const ENCODED_LINE = 76;
const LF = 0x0a;

/** True when some line (CRLF or bare LF ended) is longer than 998 octets. */
export function hasLongLine(bytes: Buffer, from = 0, to = bytes.length): boolean {
  if (to - from <= MAX_LINE_OCTETS) return false;
  let start = from;
  while (start < to) {
    const lf = bytes.indexOf(LF, start);
    const end = lf === -1 || lf >= to ? to : lf;
    const length = end - start - (end > start && bytes[end - 1] === 0x0d && end !== to ? 1 : 0);
    if (length > MAX_LINE_OCTETS) return true;
    start = end + 1;
  }
  return false;
}

/** The cheap test first: does any part need re-encoding at all. */
export function needsWireEncoding(raw: Buffer, options: WireOptions): boolean {
  return (options.sevenBit && !isAscii(raw)) || hasLongLine(raw);
}

/** The message with each leaf part that needs it re-encoded; the same Buffer when none does. */
export function wireEncode(raw: Buffer, options: WireOptions): Buffer {
  if (!needsWireEncoding(raw, options)) return raw;
  const pieces: Buffer[] = [];
  let at = 0;
  for (const leaf of leafEntities(raw)) {
    const replaced = reencodeLeaf(raw, leaf, options);
    if (replaced === undefined) continue;
    pieces.push(raw.subarray(at, leaf.start), replaced);
    at = leaf.end;
  }
  if (pieces.length === 0) return raw;
  pieces.push(raw.subarray(at));
  return Buffer.concat(pieces);
}

type Encoding = 'identity' | 'quoted-printable' | 'base64';

function encodingOf(entity: MimeEntity): Encoding | undefined {
  const name = (findField(entity.fields, 'content-transfer-encoding')?.value ?? '7bit').trim().toLowerCase();
  if (name === '7bit' || name === '8bit' || name === 'binary' || name === '') return 'identity';
  return name === 'quoted-printable' || name === 'base64' ? name : undefined;
}

function reencodeLeaf(raw: Buffer, leaf: MimeEntity, options: WireOptions): Buffer | undefined {
  const type = mediaTypeOf(leaf);
  const encoding = encodingOf(leaf);
  if (encoding === undefined || type.startsWith('multipart/') || type.startsWith('message/')) return undefined;
  const eightBit = options.sevenBit && !isAscii(raw.subarray(leaf.bodyStart, leaf.end));
  if (!eightBit && !hasLongLine(raw, leaf.bodyStart, leaf.end)) return undefined;
  const decoded = decode(raw.subarray(leaf.bodyStart, leaf.end), encoding);
  const target = type.startsWith('text/') ? 'quoted-printable' : 'base64';
  const body = target === 'base64' ? encodeBase64(decoded) : encodeQp(decoded);
  const part = splitMessage(raw.subarray(leaf.start, leaf.bodyStart));
  const edited = setField({ ...part, rest: Buffer.alloc(0) }, 'Content-Transfer-Encoding', target);
  const head = leaf.start === 0 ? asMime(edited, leaf, decoded) : edited;
  return Buffer.concat([joinMessage(head), Buffer.from('\r\n'), body]);
}

/**
 * A plain message we re-encode gets what makes readers decode it: MIME-Version (without it the
 * encoding is ignored) and, where it had no Content-Type, the charset its bytes are in (8-bit
 * text that is not UTF-8 is taken as Windows-1252, as for headers).
 */
function asMime(head: HeaderedMessage, leaf: MimeEntity, decoded: Buffer): HeaderedMessage {
  let out = head;
  if (findField(leaf.fields, 'content-type') === undefined) {
    const charset = isAscii(decoded) ? 'us-ascii' : isUtf8(decoded) ? 'utf-8' : 'windows-1252';
    out = setField(out, 'Content-Type', `text/plain; charset=${charset}`);
  }
  return findField(leaf.fields, 'mime-version') === undefined ? setField(out, 'MIME-Version', '1.0') : out;
}

function decode(body: Buffer, encoding: Encoding): Buffer {
  if (encoding === 'base64') return Buffer.from(body.toString('latin1'), 'base64');
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(body);
  return body;
}

/** Lenient like readers: an "=" that starts neither an escape nor a soft break stays. */
export function decodeQuotedPrintable(body: Buffer): Buffer {
  const text = body.toString('latin1').replace(/=[ \t]*\r?\n/g, '');
  return Buffer.from(
    text.replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
    'latin1',
  );
}

export function encodeBase64(bytes: Buffer): Buffer {
  const text = bytes.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < text.length; i += ENCODED_LINE) lines.push(text.slice(i, i + ENCODED_LINE));
  return Buffer.from(lines.length === 0 ? '' : `${lines.join('\r\n')}\r\n`, 'latin1');
}

/**
 * Quoted-printable (RFC 2045 6.7) of text: CRLF stays a hard line break, every other control
 * byte, "=" and 8-bit byte is escaped, whitespace before a line end is escaped, and lines are
 * cut with soft breaks to at most 76 characters.
 */
export function encodeQp(bytes: Buffer): Buffer {
  const out: string[] = [];
  let line = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] ?? 0;
    if (b === 0x0d && bytes[i + 1] === LF) {
      out.push(endOfLine(line), '\r\n');
      line = '';
      i++;
      continue;
    }
    const token = b === 0x3d || (b < 0x20 && b !== 0x09) || b > 0x7e ? qpEscape(b) : String.fromCharCode(b);
    // 73: room for a whitespace escape (3) at the line's end, and the "=" of a soft break.
    if (line.length + token.length > ENCODED_LINE - 3) {
      out.push(line, '=\r\n');
      line = '';
    }
    line += token;
  }
  out.push(endOfLine(line));
  return Buffer.from(out.join(''), 'latin1');
}

function qpEscape(byte: number): string {
  return `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
}

function endOfLine(line: string): string {
  const last = line.charCodeAt(line.length - 1);
  return last === 0x20 || last === 0x09 ? `${line.slice(0, -1)}${qpEscape(last)}` : line;
}
