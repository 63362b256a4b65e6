import { fieldValue, findFields, joinMessage, setField, splitMessage, type HeaderedMessage } from '../../mime/index.js';
import { findField } from '../../mime/header-fields.js';
import { leafEntities, mediaTypeOf, type MimeEntity } from '../../mime/mime-parts.js';
import { withoutMarkers } from './package-choice.js';

/**
 * The `[text:name]` marker out of a message that is not rendered (content off, an accountant copy, a
 * rendering that failed): nothing is parsed, so the marker goes only where it stands as written, in the
 * Subject and in text parts sent as 7bit, 8bit or quoted-printable within the first LOOK_BYTES of the body.
 * A base64 text part keeps it (docs/texts.md). Messages without a marker cost one bounded search.
 */
const LOOK_BYTES = 16 * 1024;
const MARKER_START = /\[text:/i;
const LITERAL_ENCODINGS = new Set(['', '7bit', '8bit', 'quoted-printable']);

export function withoutRawMarkers(message: HeaderedMessage): HeaderedMessage {
  const subjected = withoutSubjectMarker(message);
  return markerWithin(subjected.rest, LOOK_BYTES) ? withoutBodyMarkers(subjected) : subjected;
}

/** `[text:` in any case within the first `limit` bytes; `[` is rare in mail text, so few places are compared. */
function markerWithin(body: Buffer, limit: number): boolean {
  const head = body.subarray(0, limit + 5);
  for (let at = head.indexOf(0x5b); at !== -1 && at < limit; at = head.indexOf(0x5b, at + 1)) {
    if (head.toString('latin1', at + 1, at + 6).toLowerCase() === 'text:') return true;
  }
  return false;
}

function withoutSubjectMarker(message: HeaderedMessage): HeaderedMessage {
  const [subject] = findFields(message, 'subject');
  if (subject === undefined) return message;
  const value = fieldValue(subject);
  if (!MARKER_START.test(value)) return message;
  return setField(message, 'Subject', withoutMarkers(value).trim());
}

function withoutBodyMarkers(message: HeaderedMessage): HeaderedMessage {
  const raw = joinMessage(message);
  const limit = raw.length - message.rest.length + LOOK_BYTES;
  const pieces: Buffer[] = [];
  let at = 0;
  for (const leaf of leafEntities(raw)) {
    if (leaf.bodyStart >= limit || !literalText(leaf)) continue;
    const body = raw.toString('latin1', leaf.bodyStart, leaf.end);
    const cleaned = withoutMarkers(body);
    if (cleaned === body) continue;
    pieces.push(raw.subarray(at, leaf.bodyStart), Buffer.from(cleaned, 'latin1'));
    at = leaf.end;
  }
  if (pieces.length === 0) return message;
  pieces.push(raw.subarray(at));
  return splitMessage(Buffer.concat(pieces));
}

function literalText(leaf: MimeEntity): boolean {
  if (!mediaTypeOf(leaf).startsWith('text/')) return false;
  const disposition = findField(leaf.fields, 'content-disposition')?.value ?? '';
  if (/^\s*attachment/i.test(disposition)) return false;
  const encoding = (findField(leaf.fields, 'content-transfer-encoding')?.value ?? '').trim().toLowerCase();
  return LITERAL_ENCODINGS.has(encoding);
}
