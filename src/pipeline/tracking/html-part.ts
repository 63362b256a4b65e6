import { locateHeaderBlock } from '../../mime/header-block.js';
import { findField, parseHeaderFields, type HeaderField } from '../../mime/header-fields.js';
import { multipartBoundary } from '../../mime/message-structure.js';

/**
 * Finds, in the finished message bytes, the text/html part a reader shows, as a byte range:
 * nothing is decoded or copied here. The choice follows what mail readers display:
 * - multipart/alternative: the last alternative that holds HTML (readers prefer the last
 *   one they can show);
 * - multipart/related: its root (the part the `start` parameter names, else the first);
 * - multipart/mixed and other multiparts: the first part, in order, that holds HTML;
 * - a part with `Content-Disposition: attachment` is never shown inline: skipped;
 * - multipart/signed and multipart/encrypted are left alone: an edit would break them.
 * Works on CRLF-normalised bytes (inbound normalises before storing).
 */
export interface HtmlPart {
  /** Start of the part's body (after the blank line). */
  readonly start: number;
  /** End of the part's body (the CRLF before the next delimiter belongs to the delimiter). */
  readonly end: number;
  readonly contentTransferEncoding: string | undefined;
  readonly charset: string | undefined;
}

interface Entity {
  readonly fields: readonly HeaderField[];
  readonly start: number;
  readonly end: number;
}

/** Part headers longer than this are not a part we edit. */
const MAX_PART_HEADER = 64 * 1024;
/** Nesting we look into; deeper HTML is left without a pixel. */
const MAX_DEPTH = 8;
const DELIMITER_LINE = Buffer.from('\r\n--');

export function findHtmlPart(raw: Buffer): HtmlPart | undefined {
  const top = entityAt(raw, 0, raw.length);
  const found = top === undefined ? undefined : readable(raw, top, MAX_DEPTH);
  if (found === undefined) return undefined;
  const type = field(found, 'content-type');
  return {
    start: found.start,
    end: found.end,
    contentTransferEncoding: field(found, 'content-transfer-encoding'),
    charset: /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(type ?? '')?.[1],
  };
}

function field(entity: Entity, name: string): string | undefined {
  return findField(entity.fields, name)?.value;
}

function entityAt(raw: Buffer, start: number, end: number): Entity | undefined {
  const slice = raw.subarray(start, end);
  const block = locateHeaderBlock(slice, MAX_PART_HEADER);
  if (block === undefined) return undefined;
  const fields = parseHeaderFields(slice.toString('latin1', 0, block.end));
  return { fields, start: Math.min(start + block.end + (block.hasSeparator ? 2 : 0), end), end };
}

function mediaType(entity: Entity): string {
  const value = field(entity, 'content-type') ?? 'text/plain';
  return (value.split(';')[0] ?? '').trim().toLowerCase();
}

function readable(raw: Buffer, entity: Entity, depth: number): Entity | undefined {
  if (/^\s*attachment\b/i.test(field(entity, 'content-disposition') ?? '')) return undefined;
  const type = mediaType(entity);
  if (type === 'text/html') return entity;
  if (!type.startsWith('multipart/') || type === 'multipart/signed' || type === 'multipart/encrypted' || depth === 0)
    return undefined;
  const boundary = multipartBoundary(field(entity, 'content-type'));
  if (boundary === undefined) return undefined;
  const children = childrenOf(raw, entity, boundary);
  if (type === 'multipart/alternative') return firstReadable(raw, children.reverse(), depth);
  if (type === 'multipart/related') {
    const root = relatedRoot(entity, children);
    return root === undefined ? undefined : readable(raw, root, depth - 1);
  }
  return firstReadable(raw, children, depth);
}

function firstReadable(raw: Buffer, children: readonly Entity[], depth: number): Entity | undefined {
  for (const child of children) {
    const found = readable(raw, child, depth - 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

function relatedRoot(entity: Entity, children: readonly Entity[]): Entity | undefined {
  const start = /;\s*start\s*=\s*"?([^";]+)/i.exec(field(entity, 'content-type') ?? '')?.[1]?.trim();
  const named = start === undefined ? undefined : children.find((c) => field(c, 'content-id') === start);
  return named ?? children[0];
}

/**
 * The body parts between the delimiter lines of one boundary (RFC 2046 5.1.1): preamble and
 * epilogue left out; an unterminated multipart ends where its body ends.
 */
function childrenOf(raw: Buffer, entity: Entity, boundary: string): Entity[] {
  const dashes = Buffer.from(`--${boundary}`, 'latin1');
  const parts: Entity[] = [];
  let partStart: number | undefined;
  for (let line = firstDelimiter(raw, entity, dashes); line !== -1; ) {
    const lineEnd = raw.indexOf('\r\n', line);
    const after = line + dashes.length;
    const closing = raw[after] === 0x2d && raw[after + 1] === 0x2d;
    if (isDelimiter(raw, after + (closing ? 2 : 0), lineEnd === -1 || lineEnd > entity.end ? entity.end : lineEnd)) {
      if (partStart !== undefined) pushPart(raw, parts, partStart, line - 2);
      if (closing || lineEnd === -1 || lineEnd >= entity.end) return parts;
      partStart = lineEnd + 2;
    }
    line = nextDelimiter(raw, lineEnd === -1 ? entity.end : lineEnd, entity.end, dashes);
  }
  if (partStart !== undefined) pushPart(raw, parts, partStart, entity.end);
  return parts;
}

function pushPart(raw: Buffer, parts: Entity[], start: number, end: number): void {
  const part = entityAt(raw, start, Math.max(start, end));
  if (part !== undefined) parts.push(part);
}

/** Only transport padding may follow a delimiter. */
function isDelimiter(raw: Buffer, from: number, lineEnd: number): boolean {
  for (let i = from; i < lineEnd; i++) if (raw[i] !== 0x20 && raw[i] !== 0x09) return false;
  return true;
}

function firstDelimiter(raw: Buffer, entity: Entity, dashes: Buffer): number {
  if (raw.subarray(entity.start, entity.start + dashes.length).equals(dashes)) return entity.start;
  return nextDelimiter(raw, entity.start, entity.end, dashes);
}

/** The next line at or after `from` starting with the boundary's dashes, before `end`; else -1. */
function nextDelimiter(raw: Buffer, from: number, end: number, dashes: Buffer): number {
  for (
    let at = raw.indexOf(DELIMITER_LINE, from);
    at !== -1 && at + 2 < end;
    at = raw.indexOf(DELIMITER_LINE, at + 2)
  ) {
    if (at + 2 + dashes.length <= end && raw.subarray(at + 2, at + 2 + dashes.length).equals(dashes)) return at + 2;
  }
  return -1;
}
