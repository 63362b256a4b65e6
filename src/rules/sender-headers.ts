import { headerLines, isFieldLine } from '../core/header-block.js';

/**
 * A message split into its header fields (raw lines, folding kept) and the rest. Edits touch
 * only the fields they name: every other field goes out byte for byte as it came in.
 * Works on CRLF-normalised bytes (inbound normalises before storing).
 */
export interface HeaderedMessage {
  /** Each field as its raw text including folded continuation lines, without the final CRLF. */
  readonly fields: readonly string[];
  /** Everything after the header block: the blank line and the body (empty when there is none). */
  readonly rest: Buffer;
}

const BLANK_LINE = Buffer.from('\r\n\r\n');

export function splitMessage(raw: Buffer): HeaderedMessage {
  const firstLineEnd = raw.indexOf('\r\n');
  const firstLine = raw.toString('latin1', 0, firstLineEnd === -1 ? raw.length : firstLineEnd);
  if (raw.length === 0 || !isFieldLine(firstLine)) return { fields: [], rest: prefixBlank(raw) };
  const blank = raw.indexOf(BLANK_LINE);
  const end = blank === -1 ? raw.length : blank + 2;
  const fields: string[] = [];
  for (const line of headerLines(raw.toString('latin1', 0, end))) {
    const last = fields.length - 1;
    if ((line.startsWith(' ') || line.startsWith('\t')) && last >= 0) fields[last] += `\r\n${line}`;
    else fields.push(line);
  }
  return { fields, rest: blank === -1 ? Buffer.from('\r\n') : raw.subarray(end) };
}

/** A message without headers gets a blank line before its text once headers are added. */
function prefixBlank(raw: Buffer): Buffer {
  return raw.subarray(0, 2).equals(Buffer.from('\r\n')) ? raw : Buffer.concat([Buffer.from('\r\n'), raw]);
}

export function joinMessage(message: HeaderedMessage): Buffer {
  const head = message.fields.map((f) => `${f}\r\n`).join('');
  return Buffer.concat([Buffer.from(head, 'latin1'), message.rest]);
}

export function fieldName(field: string): string {
  return field.slice(0, field.indexOf(':')).trim().toLowerCase();
}

/** The unfolded value of a field (latin1 text as stored; RFC 2047 words left encoded). */
export function fieldValue(field: string): string {
  return field.slice(field.indexOf(':') + 1).replace(/\r\n(?=[ \t])/g, '').trim();
}

export function findFields(message: HeaderedMessage, name: string): string[] {
  return message.fields.filter((f) => fieldName(f) === name.toLowerCase());
}

export function withoutFields(message: HeaderedMessage, names: readonly string[]): HeaderedMessage {
  const drop = new Set(names.map((n) => n.toLowerCase()));
  return { ...message, fields: message.fields.filter((f) => !drop.has(fieldName(f))) };
}

/**
 * Replaces every field `name` with one `name: value`, at the place of the first one (or
 * at the end of the header block when there was none: trace fields stay on top). `value` must be ASCII and free of line breaks (checked at
 * the API edge; encodedWord handles names).
 */
export function setField(message: HeaderedMessage, name: string, value: string): HeaderedMessage {
  const line = `${name}: ${value}`;
  const at = message.fields.findIndex((f) => fieldName(f) === name.toLowerCase());
  const kept = message.fields.filter((f) => fieldName(f) !== name.toLowerCase());
  const index = at === -1 ? kept.length : at;
  return { ...message, fields: [...kept.slice(0, index), line, ...kept.slice(index)] };
}
