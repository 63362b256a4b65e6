/**
 * Content-Transfer-Encoding for the one part tracking edits: decode it, and put the pixel
 * back in the same encoding. Identity encodings (7bit, 8bit, binary) and quoted-printable
 * are spliced where the pixel goes, so every other encoded byte of the part stays as it
 * was; base64 cannot be spliced and is re-encoded with the part's own line length.
 */
export type TransferEncoding = 'identity' | 'quoted-printable' | 'base64';

/** The encoding a header value names; undefined for one we do not write back (x-uuencode, ...). */
export function transferEncodingOf(value: string | undefined): TransferEncoding | undefined {
  const name = (value ?? '7bit').trim().toLowerCase();
  if (name === '7bit' || name === '8bit' || name === 'binary' || name === '') return 'identity';
  if (name === 'quoted-printable' || name === 'base64') return name;
  return undefined;
}

const CR = 0x0d;
const LF = 0x0a;
const EQUALS = 0x3d;
/** RFC 5322 2.1.1: 998 octets before the CRLF. */
const MAX_LINE = 998;
/** RFC 2045 6.7: encoded lines of at most 76 characters. */
const QP_LINE = 76;

function hexValue(byte: number | undefined): number {
  if (byte === undefined) return -1;
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const upper = byte & ~0x20;
  return upper >= 0x41 && upper <= 0x46 ? upper - 0x37 : -1;
}

/** Length of a soft line break at `i` ("=" then optional padding then CRLF or LF), else 0. */
function softBreak(body: Buffer, i: number): number {
  if (body[i] !== EQUALS) return 0;
  let j = i + 1;
  while (body[j] === 0x20 || body[j] === 0x09) j++;
  if (body[j] === CR && body[j + 1] === LF) return j + 2 - i;
  return body[j] === LF ? j + 1 - i : 0;
}

/**
 * Walks quoted-printable text. Lenient like mail readers: an "=" that starts neither an
 * escape nor a soft break stays as it is. `visit` gets each decoded byte and where its
 * encoding starts; returning true stops the walk.
 */
function walkQp(body: Buffer, visit: (byte: number, at: number) => boolean): void {
  for (let i = 0; i < body.length; ) {
    const soft = softBreak(body, i);
    if (soft > 0) {
      i += soft;
      continue;
    }
    const byte = body[i] ?? 0;
    const hi = byte === EQUALS ? hexValue(body[i + 1]) : -1;
    const lo = hi === -1 ? -1 : hexValue(body[i + 2]);
    if (lo !== -1) {
      if (visit(hi * 16 + lo, i)) return;
      i += 3;
    } else {
      if (visit(byte, i)) return;
      i += 1;
    }
  }
}

export function decodeQp(body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(body.length);
  let n = 0;
  walkQp(body, (byte) => {
    out[n++] = byte;
    return false;
  });
  return out.subarray(0, n);
}

/** Where in the encoded text the decoded byte `offset` starts (the end when it is past the last). */
function qpEncodedOffset(body: Buffer, offset: number): number {
  let seen = 0;
  let at = body.length;
  walkQp(body, (_byte, i) => {
    if (seen++ < offset) return false;
    at = i;
    return true;
  });
  return at;
}

/** ASCII markup as quoted-printable lines, each ending in a soft break. */
function qpLines(ascii: string): string {
  const escaped = ascii.replace(/=/g, '=3D');
  let out = '';
  for (let start = 0; start < escaped.length; ) {
    let end = Math.min(start + QP_LINE - 1, escaped.length);
    // never cut an =XX escape
    if (escaped[end - 1] === '=') end -= 1;
    else if (escaped[end - 2] === '=') end -= 2;
    out += `${escaped.slice(start, end)}=\r\n`;
    start = end;
  }
  return out;
}

function atLineStart(body: Buffer, i: number): boolean {
  return i === 0 || body[i - 1] === LF;
}

export function decodeBody(body: Buffer, encoding: TransferEncoding): Buffer {
  if (encoding === 'quoted-printable') return decodeQp(body);
  if (encoding === 'base64') return Buffer.from(body.toString('latin1'), 'base64');
  return body;
}

/**
 * The encoded part body with `insert` (ASCII) added at decoded byte `offset`. `decoded` is
 * decodeBody(body, encoding), computed once for all recipients' copies.
 */
export function insertEncoded(
  body: Buffer,
  decoded: Buffer,
  encoding: TransferEncoding,
  offset: number,
  insert: string,
): Buffer {
  if (encoding === 'quoted-printable') {
    const at = qpEncodedOffset(body, offset);
    const lead = atLineStart(body, at) ? '' : '=\r\n';
    return Buffer.concat([body.subarray(0, at), Buffer.from(`${lead}${qpLines(insert)}`, 'latin1'), body.subarray(at)]);
  }
  if (encoding === 'base64') {
    const edited = Buffer.concat([
      decoded.subarray(0, offset),
      Buffer.from(insert, 'latin1'),
      decoded.subarray(offset),
    ]);
    return Buffer.concat([
      Buffer.from(wrapBase64(edited.toString('base64'), base64LineLength(body)), 'latin1'),
      trailingSpace(body),
    ]);
  }
  return Buffer.concat([
    body.subarray(0, offset),
    Buffer.from(identityInsert(body, offset, insert), 'latin1'),
    body.subarray(offset),
  ]);
}

/** On its own line when the line it lands in would grow past the SMTP line limit. */
function identityInsert(body: Buffer, offset: number, insert: string): string {
  const lineStart = body.lastIndexOf(LF, offset - 1) + 1;
  const next = body.indexOf(LF, offset);
  const lineEnd = next === -1 ? body.length : next;
  return lineEnd - lineStart + insert.length > MAX_LINE ? `\r\n${insert}\r\n` : insert;
}

function base64LineLength(body: Buffer): number {
  const first = body.indexOf(LF);
  const length = (first === -1 ? body.length : first) - (body[first - 1] === CR ? 1 : 0);
  return length >= 4 && length <= QP_LINE ? length - (length % 4) : QP_LINE;
}

function wrapBase64(text: string, width: number): string {
  const lines: string[] = [];
  for (let i = 0; i < text.length; i += width) lines.push(text.slice(i, i + width));
  return lines.join('\r\n');
}

/** The line end(s) after the last base64 character, kept as they were. */
function trailingSpace(body: Buffer): Buffer {
  let end = body.length;
  while (end > 0 && (body[end - 1] === CR || body[end - 1] === LF || body[end - 1] === 0x20 || body[end - 1] === 0x09))
    end--;
  return body.subarray(end);
}
