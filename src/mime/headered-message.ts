import { findHeaderEnd, startsWithField } from './header-block.js';
import { fieldName, splitFields } from './header-fields.js';

/**
 * A message split into its header fields (raw text, folding kept) and the rest. Edits touch
 * only the fields they name: every other field goes out byte for byte as it came in, and an
 * unedited message joins back to exactly the bytes it was split from.
 */
export interface HeaderedMessage {
  /** Each field as its raw text including folded continuation lines, without its final line end. */
  readonly fields: readonly string[];
  /** Everything after the header block: the blank line and the body (empty when there is none). */
  readonly rest: Buffer;
  /**
   * The line end after each field, only when one is not CRLF (a bare LF, or none at the very
   * end). Fields added or removed without these helpers make it stale: joinMessage then uses CRLF.
   */
  readonly lineEnds?: readonly string[];
}

const CRLF = '\r\n';

export function splitMessage(raw: Buffer): HeaderedMessage {
  if (!startsWithField(raw)) return { fields: [], rest: raw };
  const bounds = findHeaderEnd(raw) ?? { end: raw.length };
  const split = splitFields(raw.toString('latin1', 0, bounds.end));
  const fields = split.map((f) => f.text);
  const rest = raw.subarray(bounds.end);
  if (split.every((f) => f.lineEnd === CRLF)) return { fields, rest };
  return { fields, rest, lineEnds: split.map((f) => f.lineEnd) };
}

export function joinMessage(message: HeaderedMessage): Buffer {
  const { fields, lineEnds } = message;
  const ends = lineEnds?.length === fields.length ? lineEnds : undefined;
  const last = fields.length - 1;
  // A missing line end is kept only where it was: at the very end of a headers-only message.
  const head = fields.map((f, i) => f + (ends?.[i] || (i === last && ends?.[i] === '' ? '' : CRLF))).join('');
  return Buffer.concat([Buffer.from(head, 'latin1'), separator(message), message.rest]);
}

/** Headers added to a message that had none need a blank line before its text. */
function separator(message: HeaderedMessage): Buffer {
  const rest = message.rest;
  if (message.fields.length === 0 || rest.length === 0) return Buffer.alloc(0);
  const opensWithBlank = rest[0] === 0x0a || (rest[0] === 0x0d && rest[1] === 0x0a);
  return opensWithBlank ? Buffer.alloc(0) : Buffer.from(CRLF);
}

export function findFields(message: HeaderedMessage, name: string): string[] {
  return message.fields.filter((f) => fieldName(f) === name.toLowerCase());
}

export function withoutFields(message: HeaderedMessage, names: readonly string[]): HeaderedMessage {
  const drop = new Set(names.map((n) => n.toLowerCase()));
  return keepWhere(message, (f) => !drop.has(fieldName(f)));
}

/**
 * Replaces every field `name` with one `name: value`, at the place of the first one (or at the
 * end of the header block when there was none: trace fields stay on top). `value` must be ASCII
 * and free of line breaks (checked at the API edge; encodedWord handles names).
 */
export function setField(message: HeaderedMessage, name: string, value: string): HeaderedMessage {
  const lower = name.toLowerCase();
  const at = message.fields.findIndex((f) => fieldName(f) === lower);
  const kept = keepWhere(message, (f) => fieldName(f) !== lower);
  const index = at === -1 ? kept.fields.length : at;
  const fields = [...kept.fields.slice(0, index), `${name}: ${value}`, ...kept.fields.slice(index)];
  const ends = kept.lineEnds && [...kept.lineEnds.slice(0, index), CRLF, ...kept.lineEnds.slice(index)];
  return withEnds({ ...kept, fields }, ends);
}

function keepWhere(message: HeaderedMessage, keep: (field: string) => boolean): HeaderedMessage {
  const { fields, lineEnds } = message;
  const ends = lineEnds?.length === fields.length ? lineEnds.filter((_e, i) => keep(fields[i] ?? '')) : undefined;
  return withEnds({ ...message, fields: fields.filter(keep) }, ends);
}

function withEnds(message: HeaderedMessage, ends: readonly string[] | undefined): HeaderedMessage {
  const { lineEnds: _stale, ...rest } = message;
  return ends ? { ...rest, lineEnds: ends } : rest;
}
