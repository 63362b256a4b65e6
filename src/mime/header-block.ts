/**
 * Where the header block of a message (or of a MIME part) ends. One scanner serves every
 * reader: a line ends at LF (CRLF or bare LF), a blank line ends the block, and a block
 * that never ends within the caller's limit is reported as such. A bare CR does not end
 * a line (it stays content, as in the SMTP data it came from).
 */
export interface HeaderBounds {
  /** Index just past the last header line's line end (0 when the message opens with a blank line). */
  readonly end: number;
  /** Index where the body starts: past the blank line, or `end` when there is none. */
  readonly bodyStart: number;
}

/** How a CRLF-normalised message's header block ends, as the accept path checks it. */
export interface HeaderBlock {
  /** Index just past the last header line's CRLF (0 when there are no headers). */
  readonly end: number;
  /** True when a blank line follows the headers (false: headers-only message, or plain text). */
  readonly hasSeparator: boolean;
}

const LF = 0x0a;
const CR = 0x0d;
/** A field name is printable ASCII without ':' (RFC 5322 2.2); obsolete syntax allows WSP before ':'. */
const FIELD_LINE = /^[!-9;-~]+[ \t]*:/;
/** Enough of a first line to see a field name: a 25 MB body without a line end is not copied. */
const FIRST_LINE_WINDOW = 1000;

export function isFieldLine(line: string): boolean {
  return FIELD_LINE.test(line);
}

/** True when the message opens with a header field (else all of it is body, headers or not). */
export function startsWithField(raw: Buffer): boolean {
  const lf = raw.subarray(0, FIRST_LINE_WINDOW).indexOf(LF);
  return isFieldLine(raw.toString('latin1', 0, lf === -1 ? Math.min(raw.length, FIRST_LINE_WINDOW) : lf));
}

interface Scan extends HeaderBounds {
  /** False when the block did not end within the limit: `end` is then the last line start within it. */
  readonly complete: boolean;
}

/**
 * Walks line by line and stops at the first blank line, so it reads (and, on a memory-mapped
 * body, faults in) only the header bytes, and never searches past `limit` for a line end.
 */
function scan(raw: Buffer, limit: number): Scan {
  const stop = Math.min(raw.length, limit);
  const head = raw.subarray(0, stop);
  let lineStart = 0;
  while (lineStart < raw.length) {
    const blank = raw[lineStart] === LF ? 1 : raw[lineStart] === CR && raw[lineStart + 1] === LF ? 2 : 0;
    if (blank > 0) return { end: lineStart, bodyStart: lineStart + blank, complete: true };
    const lf = head.indexOf(LF, lineStart);
    const lineEnd = lf < 0 ? raw.length : lf + 1;
    if (lineEnd > stop) {
      const cut = lineStart > 0 ? lineStart : stop;
      return { end: cut, bodyStart: cut, complete: false };
    }
    lineStart = lineEnd;
  }
  return { end: raw.length, bodyStart: raw.length, complete: true };
}

/**
 * The bounds of the header block: everything before the first blank line (the whole message
 * when there is none). Undefined when the block does not end within `limit` bytes.
 */
export function findHeaderEnd(raw: Buffer, limit = Infinity): HeaderBounds | undefined {
  const found = scan(raw, limit);
  return found.complete ? { end: found.end, bodyStart: found.bodyStart } : undefined;
}

/**
 * Where the header block of a stored message ends, cut at a line end below `maxBytes` when
 * it does not end before: for readers that show or return headers and must stay bounded.
 */
export function headerBlockEnd(raw: Buffer, maxBytes = Infinity): number {
  return scan(raw, maxBytes).end;
}

/**
 * The header block of a CRLF-normalised message, within the first `limit` bytes. Undefined
 * when it does not end within `limit` (the caller refuses the message). A message whose first
 * line is not a header field has no header block: all of it is body (Postfix accepts it and
 * adds the headers it needs).
 */
export function locateHeaderBlock(buf: Buffer, limit: number): HeaderBlock | undefined {
  if (buf[0] === CR && buf[1] === LF) return { end: 0, hasSeparator: true };
  if (!startsWithField(buf)) return { end: 0, hasSeparator: false };
  const found = findHeaderEnd(buf, limit);
  return found && { end: found.end, hasSeparator: found.bodyStart > found.end };
}
