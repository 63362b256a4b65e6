import { locateHeaderBlock } from './header-block.js';
import { findField, parseHeaderFields, type HeaderField } from './header-fields.js';
import { multipartBoundary } from './message-structure.js';

/**
 * The leaf entities of a message (RFC 2045 2.4) as byte ranges, in order: what a
 * content-transfer-encoding applies to. Nothing is decoded or copied. Multiparts are walked
 * (their preamble and epilogue are not entities); a multipart we do not descend into
 * (signed, encrypted, too deep, no boundary) and message/* entities are returned as leaves
 * too, and their callers leave them as they are. Works on CRLF-normalised bytes.
 */
export interface MimeEntity {
  /** First byte of the entity's header block. */
  readonly start: number;
  /** First byte of its body (past the blank line). */
  readonly bodyStart: number;
  /** End of its body (the CRLF before the next delimiter belongs to the delimiter). */
  readonly end: number;
  readonly fields: readonly HeaderField[];
}

/** Part headers longer than this are not read as headers. */
const MAX_PART_HEADER = 64 * 1024;
const MAX_DEPTH = 8;
const DELIMITER_LINE = Buffer.from('\r\n--');

export function leafEntities(raw: Buffer): MimeEntity[] {
  const top = entityAt(raw, 0, raw.length);
  const leaves: MimeEntity[] = [];
  if (top !== undefined) collect(raw, top, MAX_DEPTH, leaves);
  return leaves;
}

/** The lower-case media type of an entity (text/plain when it names none). */
export function mediaTypeOf(entity: Pick<MimeEntity, 'fields'>): string {
  const value = findField(entity.fields, 'content-type')?.value ?? 'text/plain';
  return (value.split(';')[0] ?? '').trim().toLowerCase();
}

/** A multipart we descend into: its children are entities of their own. */
function childBoundary(entity: MimeEntity): string | undefined {
  const type = mediaTypeOf(entity);
  if (type === 'multipart/signed' || type === 'multipart/encrypted') return undefined;
  return multipartBoundary(findField(entity.fields, 'content-type')?.value);
}

function collect(raw: Buffer, entity: MimeEntity, depth: number, into: MimeEntity[]): void {
  const boundary = depth > 0 ? childBoundary(entity) : undefined;
  if (boundary === undefined) {
    into.push(entity);
    return;
  }
  for (const child of childrenOf(raw, entity, boundary)) collect(raw, child, depth - 1, into);
}

function entityAt(raw: Buffer, start: number, end: number): MimeEntity | undefined {
  const slice = raw.subarray(start, end);
  const block = locateHeaderBlock(slice, MAX_PART_HEADER);
  if (block === undefined) return undefined;
  const fields = parseHeaderFields(slice.toString('latin1', 0, block.end));
  return { fields, start, bodyStart: Math.min(start + block.end + (block.hasSeparator ? 2 : 0), end), end };
}

/** The body parts between the delimiter lines of one boundary (RFC 2046 5.1.1). */
function childrenOf(raw: Buffer, entity: MimeEntity, boundary: string): MimeEntity[] {
  const dashes = Buffer.from(`--${boundary}`, 'latin1');
  const parts: MimeEntity[] = [];
  let partStart: number | undefined;
  for (let line = firstDelimiter(raw, entity, dashes); line !== -1; ) {
    const lineEnd = raw.indexOf('\r\n', line);
    const stop = lineEnd === -1 || lineEnd > entity.end ? entity.end : lineEnd;
    const after = line + dashes.length;
    const closing = raw[after] === 0x2d && raw[after + 1] === 0x2d;
    if (onlyPadding(raw, after + (closing ? 2 : 0), stop)) {
      if (partStart !== undefined) push(raw, parts, partStart, line - 2);
      if (closing || stop === entity.end) return parts;
      partStart = lineEnd + 2;
    }
    line = nextDelimiter(raw, stop, entity.end, dashes);
  }
  if (partStart !== undefined) push(raw, parts, partStart, entity.end);
  return parts;
}

function push(raw: Buffer, parts: MimeEntity[], start: number, end: number): void {
  const part = entityAt(raw, start, Math.max(start, end));
  if (part !== undefined) parts.push(part);
}

function onlyPadding(raw: Buffer, from: number, lineEnd: number): boolean {
  for (let i = from; i < lineEnd; i++) if (raw[i] !== 0x20 && raw[i] !== 0x09) return false;
  return true;
}

function firstDelimiter(raw: Buffer, entity: MimeEntity, dashes: Buffer): number {
  if (raw.subarray(entity.bodyStart, entity.bodyStart + dashes.length).equals(dashes)) return entity.bodyStart;
  return nextDelimiter(raw, entity.bodyStart, entity.end, dashes);
}

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
