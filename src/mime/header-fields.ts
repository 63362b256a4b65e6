import { isFieldLine } from './header-block.js';

/**
 * The fields of a header block (as a latin1 string: one character per byte). Splitting keeps
 * every byte: a field's text holds its folded continuation lines with their own line ends,
 * and the line end that closes it is kept apart, so the block can be joined back exactly.
 */
export interface RawField {
  /** The field as written, `Name: value`, folding included, without its final line end. */
  readonly text: string;
  /** The line end that closed it: '\r\n', '\n', or '' when the text ended without one. */
  readonly lineEnd: string;
}

/** A field by lower-case name and unfolded, trimmed value. */
export interface HeaderField {
  readonly name: string;
  readonly value: string;
}

/** Splits a header block into fields; a line starting with SP or HT continues the field before it. */
export function splitFields(block: string): RawField[] {
  const fields: Array<{ text: string; lineEnd: string }> = [];
  for (let start = 0; start < block.length; ) {
    const lf = block.indexOf('\n', start);
    const next = lf === -1 ? block.length : lf + 1;
    const crlf = lf > start && block.charCodeAt(lf - 1) === 0x0d;
    const line = block.slice(start, lf === -1 ? next : crlf ? lf - 1 : lf);
    const lineEnd = lf === -1 ? '' : crlf ? '\r\n' : '\n';
    const last = fields[fields.length - 1];
    if (last !== undefined && (line.startsWith(' ') || line.startsWith('\t'))) {
      last.text += last.lineEnd + line;
      last.lineEnd = lineEnd;
    } else {
      fields.push({ text: line, lineEnd });
    }
    start = next;
  }
  return fields;
}

/** The lines of a header block, without their line ends (CRLF or bare LF). */
export function headerLines(block: string): string[] {
  const lines = block.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Lower-case name of a field's text ('' when it has no colon). */
export function fieldName(field: string): string {
  return field
    .slice(0, Math.max(field.indexOf(':'), 0))
    .trim()
    .toLowerCase();
}

/** The unfolded value of a field (latin1 text as stored; RFC 2047 words left encoded). */
export function fieldValue(field: string): string {
  return unfold(field.slice(field.indexOf(':') + 1)).trim();
}

/** Removes the line ends of folding (CRLF or LF before SP or HT); a plain loop, as it runs per field on accept. */
function unfold(text: string): string {
  let out = '';
  let from = 0;
  for (let lf = text.indexOf('\n'); lf !== -1; lf = text.indexOf('\n', lf + 1)) {
    const next = text.charCodeAt(lf + 1);
    if (next !== 0x20 && next !== 0x09) continue;
    out += text.slice(from, lf > 0 && text.charCodeAt(lf - 1) === 0x0d ? lf - 1 : lf);
    from = lf + 1;
  }
  return from === 0 ? text : out + text.slice(from);
}

/** Unfolded fields of a header block; lines that are neither fields nor continuations are skipped. */
export function parseHeaderFields(block: string): HeaderField[] {
  const fields: HeaderField[] = [];
  for (const { text } of splitFields(block)) {
    if (!isFieldLine(text)) continue;
    const colon = text.indexOf(':');
    fields.push({ name: text.slice(0, colon).trimEnd().toLowerCase(), value: unfold(text.slice(colon + 1)).trim() });
  }
  return fields;
}

export function findField(fields: readonly HeaderField[], name: string): HeaderField | undefined {
  return fields.find((f) => f.name === name);
}
