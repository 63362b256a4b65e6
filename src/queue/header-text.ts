import { headerBlockEnd } from '../mime/index.js';

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
  return decode(Buffer.from(bytes.subarray(0, headerBlockEnd(bytes, MAX_HEADER_TEXT_BYTES))));
}

function decode(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
}
