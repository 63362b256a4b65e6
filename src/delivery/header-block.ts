import { headerBlockEnd } from '../core/header-block.js';

/** A DSN returns the headers only, and never more than this of them. */
const MAX_HEADER_BYTES = 100 * 1024;

/**
 * The header block of a stored message: everything before the first blank line (the whole
 * message when there is none), cut at a line end below MAX_HEADER_BYTES.
 */
export function headerBlockOf(raw: Buffer): Buffer {
  return raw.subarray(0, headerBlockEnd(raw, MAX_HEADER_BYTES));
}

/** CRLF line endings, ending with one; bytes are kept (latin1 maps each byte to one char). */
export function toCrlf(bytes: Buffer): Buffer {
  let text = bytes.toString('latin1').replace(/\r?\n|\r/g, '\r\n');
  if (text !== '' && !text.endsWith('\r\n')) text += '\r\n';
  return Buffer.from(text, 'latin1');
}
