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
  // Copy only the header bytes: `raw` may be lmdb's lent buffer (getBinaryFast) of a 25 MB body.
  return decode(Buffer.from(bytes.subarray(0, headerEnd(bytes))));
}

/**
 * Walks line by line and stops at the first blank line, so it reads (and, on a memory-mapped
 * body, faults in) only the header bytes, not up to the limit of a CRLF body without "\n\n".
 */
function headerEnd(raw: Buffer): number {
  const limit = Math.min(raw.length, MAX_HEADER_TEXT_BYTES);
  const head = raw.subarray(0, limit); // never search past the limit for a line end
  let lineStart = 0;
  while (lineStart < raw.length) {
    if (raw[lineStart] === LF) return lineStart; // "\n" blank line (no headers at all when 0)
    if (raw[lineStart] === CR && raw[lineStart + 1] === LF) return lineStart;
    const lf = head.indexOf(LF, lineStart);
    const lineEnd = lf < 0 ? raw.length : lf + 1;
    if (lineEnd > limit) return lineStart > 0 ? lineStart : limit;
    lineStart = lineEnd;
  }
  return raw.length;
}

const LF = 0x0a;
const CR = 0x0d;

function decode(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
}
