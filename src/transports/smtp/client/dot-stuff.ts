/**
 * DATA transparency (RFC 5321 §4.5.2) without a per-byte loop: the body becomes a list of
 * slices of the original buffer with the extra dots and the terminator between them, ready
 * for one corked write. Stored messages have CRLF line ends (inbound normalises them), so the
 * fast path only checks that and stuffs after each CRLF; a body with a bare CR or LF takes a
 * slower path that turns every line break into CRLF first, as nodemailer's data stream did.
 * Either way a lone CR or LF never reaches the next hop, so no server can read `\n.\n` as
 * the end of the data.
 */

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;
/** Shared, never written to: slices are only copied into the socket. */
const STUFFED_DOT = Buffer.from('.', 'latin1');
const LINE_BREAK = Buffer.from('\r\n', 'latin1');
const END_AFTER_CRLF = Buffer.from('.\r\n', 'latin1');
const END = Buffer.from('\r\n.\r\n', 'latin1');

/** `body` dot-stuffed and terminated, as slices to write in order. */
export function dotStuff(body: Buffer): Buffer[] {
  return stuffCrlf(body) ?? stuffAnyLineBreaks(body);
}

function terminator(body: Buffer): Buffer {
  const n = body.length;
  return n >= 2 && body[n - 2] === CR && body[n - 1] === LF ? END_AFTER_CRLF : END;
}

/**
 * Fast path, one step per line: the next CR and the next LF must be neighbours (else there
 * is a bare one: undefined, take the slow path), and a dot after a CRLF gets a second dot.
 */
function stuffCrlf(body: Buffer): Buffer[] | undefined {
  const out: Buffer[] = [];
  if (body[0] === DOT) out.push(STUFFED_DOT);
  let from = 0;
  let pos = 0;
  for (;;) {
    const cr = body.indexOf(CR, pos);
    const lf = body.indexOf(LF, pos);
    if (cr < 0 && lf < 0) break;
    if (cr < 0 || lf !== cr + 1) return undefined;
    pos = lf + 1;
    if (body[pos] === DOT) {
      out.push(body.subarray(from, pos), STUFFED_DOT);
      from = pos;
    }
  }
  if (from < body.length) out.push(from === 0 ? body : body.subarray(from));
  out.push(terminator(body));
  return out;
}

/** Index of the next CR or LF at or after `pos`, searching each byte value natively. */
function nextBreak(body: Buffer, pos: number, cache: { cr: number; lf: number }): number {
  if (cache.cr >= 0 && cache.cr < pos) cache.cr = body.indexOf(CR, pos);
  if (cache.lf >= 0 && cache.lf < pos) cache.lf = body.indexOf(LF, pos);
  if (cache.cr < 0) return cache.lf;
  if (cache.lf < 0) return cache.cr;
  return Math.min(cache.cr, cache.lf);
}

/**
 * Slow path: CRLF, a bare CR and a bare LF each end a line and become CRLF; a line that
 * starts with a dot gets a second one. Still one step per line, not per byte.
 */
function stuffAnyLineBreaks(body: Buffer): Buffer[] {
  const out: Buffer[] = [];
  const cache = { cr: body.indexOf(CR, 0), lf: body.indexOf(LF, 0) };
  let pos = 0;
  if (body[0] === DOT) out.push(STUFFED_DOT);
  let brk = nextBreak(body, pos, cache);
  while (brk >= 0) {
    if (brk > pos) out.push(body.subarray(pos, brk));
    out.push(LINE_BREAK);
    pos = body[brk] === CR && body[brk + 1] === LF ? brk + 2 : brk + 1;
    if (body[pos] === DOT) out.push(STUFFED_DOT);
    brk = nextBreak(body, pos, cache);
  }
  if (pos < body.length) {
    out.push(body.subarray(pos), END);
  } else {
    // the body ended with a line break, now written as CRLF (an empty body has none)
    out.push(body.length > 0 ? END_AFTER_CRLF : END);
  }
  return out;
}
