/**
 * Where the header block of a message (or of a MIME part) ends, and its fields. Works on
 * CRLF-normalised bytes: inbound normalises line endings before anything reads headers.
 */
export interface HeaderBlock {
  /** Index just past the last header line's CRLF (0 when there are no headers). */
  readonly end: number;
  /** True when a blank line follows the headers (false: headers-only message, or plain text). */
  readonly hasSeparator: boolean;
}

export interface HeaderField {
  /** Lower-case field name. */
  readonly name: string;
  /** Unfolded value, trimmed. */
  readonly value: string;
}

const BLANK_LINE = Buffer.from('\r\n\r\n');
/** A field name is printable ASCII without ':' (RFC 5322 2.2); obsolete syntax allows WSP before ':'. */
const FIELD_LINE = /^[!-9;-~]+[ \t]*:/;

export function isFieldLine(line: string): boolean {
  return FIELD_LINE.test(line);
}

/**
 * Finds the header block within the first `limit` bytes. Returns undefined when the block
 * does not end within `limit` (the caller refuses the message). A message whose first line
 * is not a header field has no header block: all of it is body (Postfix accepts it and adds
 * the headers it needs).
 */
export function locateHeaderBlock(buf: Buffer, limit: number): HeaderBlock | undefined {
  if (buf.length === 0) return { end: 0, hasSeparator: false };
  if (buf[0] === 0x0d && buf[1] === 0x0a) return { end: 0, hasSeparator: true };
  const firstLineEnd = buf.indexOf('\r\n');
  const firstLine = buf.toString('latin1', 0, Math.min(firstLineEnd === -1 ? buf.length : firstLineEnd, 1000));
  if (!isFieldLine(firstLine)) return { end: 0, hasSeparator: false };
  // Search only the window the limit allows: a 25 MB message without a blank line is not scanned.
  const blank = buf.subarray(0, limit + 2).indexOf(BLANK_LINE);
  if (blank !== -1) return { end: blank + 2, hasSeparator: true };
  return buf.length <= limit ? { end: buf.length, hasSeparator: false } : undefined;
}

/** Splits a header block (as a latin1 string, CRLF line ends) into header lines, folding kept. */
export function headerLines(text: string): string[] {
  const lines = text.split('\r\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Unfolded fields of a header block; lines that are neither fields nor continuations are skipped. */
export function parseHeaderFields(text: string): HeaderField[] {
  const fields: Array<{ name: string; value: string }> = [];
  for (const line of headerLines(text)) {
    const last = fields[fields.length - 1];
    if ((line.startsWith(' ') || line.startsWith('\t')) && last) {
      last.value += line;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0 || !isFieldLine(line)) continue;
    fields.push({ name: line.slice(0, colon).trimEnd().toLowerCase(), value: line.slice(colon + 1) });
  }
  return fields.map((f) => ({ name: f.name, value: f.value.trim() }));
}

export function findField(fields: readonly HeaderField[], name: string): HeaderField | undefined {
  return fields.find((f) => f.name === name);
}

/**
 * Where the header block of a stored message ends: just past the last header line's line end
 * (CRLF or bare LF), the whole message when no blank line comes, cut at a line end below
 * `maxBytes`. Tolerant of bare LF, unlike locateHeaderBlock, for bodies we did not normalise.
 * Walks line by line and stops at the first blank line, so it reads (and, on a memory-mapped
 * body, faults in) only the header bytes, not up to the limit of a CRLF body without "\n\n".
 */
export function headerBlockEnd(raw: Buffer, maxBytes: number): number {
  const limit = Math.min(raw.length, maxBytes);
  const head = raw.subarray(0, limit); // never search past the limit for a line end
  let lineStart = 0;
  while (lineStart < raw.length) {
    if (raw[lineStart] === LF) return lineStart; // "\n" blank line (no headers at all when 0)
    if (raw[lineStart] === CR && raw[lineStart + 1] === LF) return lineStart;
    const lf = head.indexOf(LF, lineStart);
    const lineEnd = lf < 0 ? raw.length : lf + 1;
    if (lineEnd > limit) return lineStart > 0 ? lineStart : limit;
    lineStart = lineEnd;
  }
  return raw.length;
}

const LF = 0x0a;
const CR = 0x0d;
