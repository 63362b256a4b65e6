import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { newQueueId } from '../../core/ids.js';

/**
 * API tokens look like `pb_<tokenId>_<secret>`: the id finds the stored record (no scan, no
 * hash index), the secret is compared in constant time against its stored SHA-256. The
 * secret is 256 random bits, so a plain hash is enough (no slow KDF needed: nothing to
 * brute-force), and checking a token costs microseconds per request.
 */
const TOKEN = /^pb_([0-9A-HJKMNP-TV-Z]{26})_([A-Za-z0-9_-]{43})$/;

export interface ParsedToken {
  readonly id: string;
  readonly secret: string;
}

export interface NewToken {
  readonly id: string;
  /** The whole token text, shown once. */
  readonly token: string;
  /** What to store: SHA-256 of the secret, base64. */
  readonly secretHash: string;
}

/** A fresh token: a time-sortable id any node can allocate, and 32 random bytes. */
export function generateToken(now: number): NewToken {
  const id = newQueueId(now);
  const secret = randomBytes(32).toString('base64url');
  return { id, token: `pb_${id}_${secret}`, secretHash: hashSecret(secret) };
}

/** The id and secret of a well-formed token; undefined for anything else. */
export function parseToken(text: string): ParsedToken | undefined {
  const match = TOKEN.exec(text);
  return match?.[1] && match[2] ? { id: match[1], secret: match[2] } : undefined;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('base64');
}

/** Constant-time comparison of a presented secret with a stored hash. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const presented = createHash('sha256').update(secret, 'utf8').digest();
  const stored = Buffer.from(storedHash, 'base64');
  return stored.length === presented.length && timingSafeEqual(presented, stored);
}
