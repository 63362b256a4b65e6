/**
 * mime/: reading and writing the bytes of a message, once and in one place. header-block
 * finds where the header block ends (CRLF or bare LF, with or without a body, within a
 * limit); header-fields splits a block into fields, folding kept byte for byte, and reads
 * them; headered-message splits a whole message into fields and the rest, edits fields and
 * joins it back byte-exact; line-endings holds the line-ending rules (normalise to CRLF,
 * find bare line ends). header-charset re-encodes raw 8-bit header text as RFC 2047 words;
 * mime-parts finds the leaf entities of a message as byte ranges; wire-encoding re-encodes the
 * parts a hop could change (long lines, 8-bit) as quoted-printable or base64. Nothing here
 * does I/O or knows of tenants.
 */
export {
  findHeaderEnd,
  headerBlockEnd,
  isFieldLine,
  locateHeaderBlock,
  startsWithField,
  type HeaderBlock,
  type HeaderBounds,
} from './header-block.js';
export {
  fieldName,
  fieldValue,
  findField,
  headerLines,
  parseHeaderFields,
  splitFields,
  type HeaderField,
  type RawField,
} from './header-fields.js';
export {
  findFields,
  joinMessage,
  setField,
  splitMessage,
  withoutFields,
  type HeaderedMessage,
} from './headered-message.js';
export { hasBareLf, hasBareLineEnding, normalizeLineEndings, toCrlf } from './line-endings.js';
