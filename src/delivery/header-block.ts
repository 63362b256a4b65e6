/** A DSN returns the headers only, and never more than this of them. */
const MAX_HEADER_BYTES = 100 * 1024;

/**
 * The header block of a stored message: everything before the first blank line (the whole
 * message when there is none), cut at a line end below MAX_HEADER_BYTES.
 */
export function headerBlockOf(raw: Buffer): Buffer {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  let end = raw.length;
  if (crlf >= 0 && (lf < 0 || crlf < lf)) end = crlf + 2;
  else if (lf >= 0) end = lf + 1;
  if (end <= MAX_HEADER_BYTES) return raw.subarray(0, end);
  const lastLineEnd = raw.lastIndexOf('\n', MAX_HEADER_BYTES - 1);
  return raw.subarray(0, lastLineEnd >= 0 ? lastLineEnd + 1 : MAX_HEADER_BYTES);
}

/** CRLF line endings, ending with one; bytes are kept (latin1 maps each byte to one char). */
export function toCrlf(bytes: Buffer): Buffer {
  let text = bytes.toString('latin1').replace(/\r?\n|\r/g, '\r\n');
  if (text !== '' && !text.endsWith('\r\n')) text += '\r\n';
  return Buffer.from(text, 'latin1');
}
