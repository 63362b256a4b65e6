/** The message log never returns more header text than this (a DSN's limit is lower still). */
export const MAX_HEADER_TEXT_BYTES = 256 * 1024;

/**
 * The header block of a raw message as text: everything before the first blank line
 * (CRLF or bare LF; the whole message when there is none), ending with the last header's
 * line end, cut at a line end below MAX_HEADER_TEXT_BYTES. UTF-8 when it decodes as UTF-8
 * (RFC 6532 headers), else latin1, which maps each byte to one character and never fails.
 */
export function headerText(raw: Uint8Array): string {
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  return decode(bytes.subarray(0, headerEnd(bytes)));
}

function headerEnd(raw: Buffer): number {
  // Only the first bytes can hold a blank line we would use: no need to scan a 25 MB body.
  const head = raw.subarray(0, MAX_HEADER_TEXT_BYTES + 4);
  const crlf = head.indexOf('\r\n\r\n');
  const lf = head.indexOf('\n\n');
  let end = raw.length;
  if (crlf >= 0 && (lf < 0 || crlf < lf)) end = crlf + 2;
  else if (lf >= 0) end = lf + 1;
  if (end <= MAX_HEADER_TEXT_BYTES) return end;
  const lastLineEnd = head.lastIndexOf('\n', MAX_HEADER_TEXT_BYTES - 1);
  return lastLineEnd >= 0 ? lastLineEnd + 1 : MAX_HEADER_TEXT_BYTES;
}

function decode(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
}
