/**
 * The DKIM relaxed body hash (RFC 6376 3.4.4) of a CRLF body, byte for byte what mailauth's
 * RelaxedHash computes (its verifier is what the tests check against), without its per-byte loop.
 *
 * Why: mailauth walks every byte in JavaScript and a second time for its MIME finder; on a 100 KB
 * invoice that is about half of a signing worker's time per message, more than the RSA signature.
 * Here the lines that canonicalisation leaves alone (all of a base64 attachment) are found with
 * Buffer.indexOf and hashed as whole runs; only lines mailauth would rewrite are rewritten, by the
 * same rule it uses. Bodies it handles differently at the edges (a bare LF anywhere, no CRLF at the
 * very end) are left to mailauth: `relaxedBodyHash` returns undefined for them.
 */
import { createHash } from 'node:crypto';
import { hasBareLf } from '../mime/index.js';

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
const DOUBLE_SPACE = Buffer.from('  ');
const SPACE_CRLF = Buffer.from(' \r\n');
const CRLF = Buffer.from('\r\n');

/** base64 of the SHA-256 relaxed body hash, or undefined when the body is not one this handles. */
export function relaxedBodyHash(body: Buffer): string | undefined {
  return hasBareLf(body) ? undefined : relaxedCrlfBodyHash(body);
}

/** relaxedBodyHash for a body the caller knows has no bare LF (it checked the whole message). */
export function relaxedCrlfBodyHash(body: Buffer): string | undefined {
  if (body.length > 0 && body[body.length - 1] !== LF) return undefined;
  const pieces = trimTrailingLineEnds(canonicalPieces(body));
  const hash = createHash('sha256');
  for (const piece of pieces) hash.update(piece);
  // Empty lines at the end are dropped; a non-empty body ends in exactly one CRLF.
  if (pieces.length > 0) hash.update(CRLF);
  return hash.digest('base64');
}

/**
 * The body as runs of unchanged bytes and rewritten lines. A line is rewritten where mailauth
 * would: it holds a tab or two spaces in a row, or a space right before its CRLF.
 */
function canonicalPieces(body: Buffer): Buffer[] {
  const pieces: Buffer[] = [];
  const next = new TroubleFinder(body);
  let runStart = 0;
  for (let at = next.from(0); at !== -1; at = next.from(at)) {
    const lineStart = body.lastIndexOf(LF, at) + 1;
    const lineEnd = body.indexOf(LF, at) + 1; // the body ends in LF: always found
    if (lineStart > runStart) pieces.push(body.subarray(runStart, lineStart));
    pieces.push(fixLine(body.subarray(lineStart, lineEnd)));
    runStart = lineEnd;
    at = lineEnd;
  }
  if (runStart < body.length) pieces.push(body.subarray(runStart));
  return pieces;
}

/** The next position of a tab, a double space or " \r\n" at or after a point, each searched once per pass. */
class TroubleFinder {
  private tab = -2;
  private double = -2;
  private spaceCrlf = -2;

  constructor(private readonly body: Buffer) {}

  from(pos: number): number {
    if (this.tab !== -1 && this.tab < pos) this.tab = this.body.indexOf(TAB, pos);
    if (this.double !== -1 && this.double < pos) this.double = this.body.indexOf(DOUBLE_SPACE, pos);
    if (this.spaceCrlf !== -1 && this.spaceCrlf < pos) this.spaceCrlf = this.body.indexOf(SPACE_CRLF, pos);
    const found = [this.tab, this.double, this.spaceCrlf].filter((p) => p !== -1);
    return found.length === 0 ? -1 : Math.min(...found);
  }
}

/**
 * mailauth's fixLineBuffer for a line ending in LF, walking back from the end: whitespace before
 * the first non-whitespace byte from the right is dropped, every other run becomes one space,
 * CR and LF bytes are kept where they are.
 */
function fixLine(line: Buffer): Buffer {
  const out = Buffer.allocUnsafe(line.length * 2);
  let write = out.length - 1;
  let nonWspFound = false;
  let prevWsp = false;
  for (let i = line.length - 1; i >= 0; i--) {
    const byte = line[i] as number;
    if (byte === LF) {
      out[write--] = LF;
      if (i === 0 || line[i - 1] !== CR) out[write--] = CR;
    } else if (byte === CR) {
      out[write--] = CR;
    } else if (byte === SPACE || byte === TAB) {
      if (nonWspFound) prevWsp = true;
    } else {
      if (prevWsp) {
        out[write--] = SPACE;
        prevWsp = false;
      }
      nonWspFound = true;
      out[write--] = byte;
    }
  }
  if (prevWsp && nonWspFound) out[write--] = SPACE;
  return out.subarray(write + 1);
}

/** Drops the CR and LF bytes at the very end, across pieces (mailauth holds them back and never hashes them). */
function trimTrailingLineEnds(pieces: Buffer[]): Buffer[] {
  while (pieces.length > 0) {
    const last = pieces[pieces.length - 1] as Buffer;
    let end = last.length;
    while (end > 0 && (last[end - 1] === CR || last[end - 1] === LF)) end--;
    if (end > 0) {
      pieces[pieces.length - 1] = last.subarray(0, end);
      return pieces;
    }
    pieces.pop();
  }
  return pieces;
}
