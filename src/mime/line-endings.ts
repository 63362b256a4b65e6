const CR = 0x0d;
const LF = 0x0a;
const CRLF = Buffer.from('\r\n');

/**
 * Makes every line ending CRLF: a bare LF or a bare CR becomes CRLF (Postfix 3.9 does the
 * same; old invoicing software sends bare LF). Returns the same buffer when there is
 * nothing to change, which is the usual case, so the accept path does not copy 100 KB.
 *
 * Why this is safe against SMTP smuggling: the end of DATA is smtp-server's business and it
 * only ends on the exact bytes `\r\n.\r\n`, so `\n.\n`, `\r.\r`, `\r\n.\n` and `\n.\r\n`
 * arrive here as message content and stay content. After this function those lines read
 * `\r\n.\r\n` inside the stored message; that is fine, because every SMTP client we relay
 * with (nodemailer) dot-stuffs on the way out, so the next hop sees `..` and no end of data.
 * smtp-server also removes a stuffing dot after a bare LF, so `\n..\r\n` reaches us as
 * `\n.\r\n` and is stored as a line holding one dot: content, as the client meant.
 */
export function normalizeLineEndings(input: Buffer): Buffer {
  const bare = bareLineEndings(input, Infinity);
  if (bare.length === 0) return input;
  const parts: Buffer[] = [];
  let segmentStart = 0;
  for (const at of bare) {
    parts.push(input.subarray(segmentStart, at), CRLF);
    segmentStart = at + 1;
  }
  parts.push(input.subarray(segmentStart));
  return Buffer.concat(parts, input.length + bare.length);
}

/** True when the buffer has a CR not followed by LF, or an LF not preceded by CR. */
export function hasBareLineEnding(input: Buffer): boolean {
  return bareLineEndings(input, 1).length > 0;
}

/**
 * Indices of bare CRs and bare LFs, in order, at most `limit` of them. Jumps from line end
 * to line end with Buffer.indexOf (native memchr) instead of visiting every byte in JS,
 * and keeps one cursor per byte value so that a buffer without any CR (or LF) is never
 * rescanned per line: linear in the size of the message.
 */
function bareLineEndings(input: Buffer, limit: number): number[] {
  const found: number[] = [];
  let cr = input.indexOf(CR);
  let lf = input.indexOf(LF);
  while ((cr !== -1 || lf !== -1) && found.length < limit) {
    if (lf === -1 || (cr !== -1 && cr < lf)) {
      if (cr + 1 === lf) {
        // A proper CRLF: step past both.
        cr = input.indexOf(CR, lf + 1);
        lf = input.indexOf(LF, lf + 1);
      } else {
        found.push(cr);
        cr = input.indexOf(CR, cr + 1);
      }
    } else {
      found.push(lf); // an LF with no CR right before it (that CR would have been paired above)
      lf = input.indexOf(LF, lf + 1);
    }
  }
  return found;
}

/** An LF not preceded by CR (a bare CR does not count): what DKIM hashing must not take as CRLF. */
export function hasBareLf(input: Buffer): boolean {
  for (let at = input.indexOf(LF); at >= 0; at = input.indexOf(LF, at + 1)) {
    if (at === 0 || input[at - 1] !== CR) return true;
  }
  return false;
}

/** CRLF line endings, ending with one (for text quoted into a message we build); bytes are kept. */
export function toCrlf(bytes: Buffer): Buffer {
  const normalized = normalizeLineEndings(bytes);
  if (normalized.length === 0 || normalized.subarray(-2).equals(CRLF)) return normalized;
  return Buffer.concat([normalized, CRLF]);
}
