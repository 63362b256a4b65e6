import {
  findField,
  headerLines,
  isFieldLine,
  locateHeaderBlock,
  parseHeaderFields,
  type HeaderBlock,
  type HeaderField,
} from './index.js';

/**
 * A fast structural check of a CRLF-normalised message, without mailparser (which costs
 * milliseconds per message and this runs on the accept path): the header block must end in
 * time and hold only fields and continuations, and multipart bodies must stay within a
 * depth and part count that downstream MIME parsers handle safely.
 */
export interface StructureLimits {
  readonly maxHeaderBytes: number;
  readonly maxDepth: number;
  readonly maxParts: number;
  /** Received: fields a message may arrive with; one more and it counts as a loop. */
  readonly maxHops: number;
}

export const STRUCTURE_LIMITS: StructureLimits = Object.freeze({
  maxHeaderBytes: 256 * 1024,
  maxDepth: 32,
  maxParts: 1000,
  maxHops: 50,
});

/**
 * True when the message arrives with more than `maxHops` Received: fields (Postfix's
 * hopcount_limit, default 50 there too). Reads the fields the structure check parsed
 * anyway: no extra pass over the message.
 */
export function isLooping(fields: readonly HeaderField[], maxHops: number): boolean {
  let hops = 0;
  for (const field of fields) if (field.name === 'received' && ++hops > maxHops) return true;
  return false;
}

export type StructureResult =
  | { readonly ok: true; readonly header: HeaderBlock; readonly fields: readonly HeaderField[] }
  | { readonly ok: false; readonly why: string };

export function checkStructure(buf: Buffer, limits: StructureLimits = STRUCTURE_LIMITS): StructureResult {
  const header = locateHeaderBlock(buf, limits.maxHeaderBytes);
  if (!header) return { ok: false, why: 'header too long' };
  const text = buf.toString('latin1', 0, header.end);
  const bad = firstBadHeaderLine(text);
  if (bad !== undefined) return { ok: false, why: `bad header line ${bad}` };
  const fields = parseHeaderFields(text);
  const boundary = multipartBoundary(findField(fields, 'content-type')?.value);
  if (boundary !== undefined) {
    const bodyStart = header.hasSeparator ? header.end + 2 : header.end;
    const why = walkMultipart(buf, bodyStart, boundary, limits);
    if (why !== undefined) return { ok: false, why };
  }
  return { ok: true, header, fields };
}

/** 1-based number of the first line that is neither a field nor a continuation. */
function firstBadHeaderLine(text: string): number | undefined {
  const lines = headerLines(text);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const continuation = i > 0 && (line.startsWith(' ') || line.startsWith('\t'));
    if (!continuation && !isFieldLine(line)) return i + 1;
  }
  return undefined;
}

/** The boundary of a multipart Content-Type value, or undefined for anything else. */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (contentType === undefined || !/^\s*multipart\s*\//i.test(contentType)) return undefined;
  const m = /;\s*boundary\s*=\s*(?:"([^"]*)"|([^\s;"]+))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  return boundary && boundary.length <= 200 ? boundary : undefined;
}

/**
 * One pass over the body: every line starting with "--" is matched against the stack of
 * open boundaries (innermost first), so nested parts cost no extra scans. Returns why the
 * message is refused, or undefined. Unterminated multiparts are accepted, as parsers do.
 */
function walkMultipart(buf: Buffer, from: number, boundary: string, limits: StructureLimits): string | undefined {
  const open: Buffer[] = [delimiter(boundary)];
  let parts = 0;
  for (let line = nextDashLine(buf, from); line !== -1 && open.length > 0; ) {
    const lineEnd = endOfLine(buf, line);
    const level = matchDelimiter(buf, line, lineEnd, open);
    if (level !== -1) {
      const closing = isClosing(buf, line + (open[level]?.length ?? 0));
      open.length = closing ? level : level + 1;
      if (!closing) {
        if (++parts > limits.maxParts) return `more than ${limits.maxParts} MIME parts`;
        const child = partBoundary(buf, lineEnd + 2);
        if (child !== undefined) {
          if (open.length >= limits.maxDepth) return `MIME nesting deeper than ${limits.maxDepth} levels`;
          open.push(delimiter(child));
        }
      }
    }
    line = nextDashLine(buf, lineEnd + 2);
  }
  return undefined;
}

function delimiter(boundary: string): Buffer {
  return Buffer.from(`--${boundary}`, 'latin1');
}

const DASH_LINE = Buffer.from('\r\n--');

/** Start of the next line (at or after line start `pos`) that begins with "--", or -1. */
function nextDashLine(buf: Buffer, pos: number): number {
  if (pos >= buf.length) return -1;
  if (buf[pos] === 0x2d && buf[pos + 1] === 0x2d) return pos;
  const at = buf.indexOf(DASH_LINE, pos);
  return at === -1 ? -1 : at + 2;
}

function endOfLine(buf: Buffer, from: number): number {
  const at = buf.indexOf('\r\n', from);
  return at === -1 ? buf.length : at;
}

/** Index in `open` of the delimiter this line is (innermost first), or -1. */
function matchDelimiter(buf: Buffer, line: number, lineEnd: number, open: readonly Buffer[]): number {
  for (let level = open.length - 1; level >= 0; level--) {
    const delim = open[level];
    if (delim === undefined || line + delim.length > lineEnd) continue;
    if (buf.compare(delim, 0, delim.length, line, line + delim.length) !== 0) continue;
    let rest = line + delim.length;
    if (isClosing(buf, rest)) rest += 2;
    // Only transport padding (spaces, tabs) may follow a delimiter (RFC 2046 5.1.1).
    while (rest < lineEnd && (buf[rest] === 0x20 || buf[rest] === 0x09)) rest++;
    if (rest === lineEnd) return level;
  }
  return -1;
}

function isClosing(buf: Buffer, at: number): boolean {
  return buf[at] === 0x2d && buf[at + 1] === 0x2d;
}

/** Part headers are read up to a blank line, a "--" line or a non-header line, within 64 KiB. */
const PART_HEADER_WINDOW = 64 * 1024;

function partBoundary(buf: Buffer, start: number): string | undefined {
  const lines: string[] = [];
  const stop = Math.min(buf.length, start + PART_HEADER_WINDOW);
  for (let pos = start; pos < stop; ) {
    const end = endOfLine(buf, pos);
    const line = buf.toString('latin1', pos, Math.min(end, stop));
    const continuation = lines.length > 0 && (line.startsWith(' ') || line.startsWith('\t'));
    if (line.startsWith('--') || (!continuation && !isFieldLine(line))) break;
    lines.push(line);
    pos = end + 2;
  }
  if (lines.length === 0) return undefined;
  return multipartBoundary(findField(parseHeaderFields(lines.join('\r\n')), 'content-type')?.value);
}
