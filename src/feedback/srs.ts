import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * SRS0 envelope senders (the Sender Rewriting Scheme, as in postsrsd) for replies we
 * forward: `SRS0=<hash>=<tt>=<domain>=<local>@<ourDomain>`. The tenant's server checks SPF
 * against our domain, which passes; a bounce of the forwarded copy comes back to us and can
 * be verified (hash) and dated (tt: days, base32, mod 1024). The key is
 * SecretBox.deriveKey('srs'). The hash covers tt, domain and local part, lower-cased.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const HASH_CHARS = 4;
const DAY_MS = 86_400_000;
/** How long a rewritten address is honoured when it comes back. */
const MAX_AGE_DAYS = 21;

function timestamp(now: number): string {
  const days = Math.floor(now / DAY_MS) % 1024;
  return `${ALPHABET[days >> 5] ?? 'A'}${ALPHABET[days & 31] ?? 'A'}`;
}

function hash(key: Buffer, tt: string, domain: string, local: string): string {
  return createHmac('sha1', key).update(`${tt}${domain}${local}`.toLowerCase()).digest('base64').slice(0, HASH_CHARS);
}

/** The SRS0 form of `address` on `ourDomain`; the null sender stays null. */
export function srsForward(key: Buffer, address: string, ourDomain: string, now: number): string {
  const at = address.lastIndexOf('@');
  if (at <= 0) return address;
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  const tt = timestamp(now);
  return `SRS0=${hash(key, tt, domain, local)}=${tt}=${domain}=${local}@${ourDomain}`;
}

/** The original address of an SRS0 address we made and that is not too old, else undefined. */
export function srsReverse(key: Buffer, address: string, now: number): string | undefined {
  const at = address.lastIndexOf('@');
  const match = /^SRS0=([^=]{4})=([A-Z2-7]{2})=([^=]+)=(.+)$/i.exec(at > 0 ? address.slice(0, at) : '');
  if (!match) return undefined;
  const [, given = '', tt = '', domain = '', local = ''] = match;
  const expected = Buffer.from(hash(key, tt.toUpperCase(), domain, local));
  // Some servers change the case of local parts: compare the hash case-insensitively, as postsrsd does.
  if (
    expected.length !== given.length ||
    !timingSafeEqual(Buffer.from(expected.toString().toLowerCase()), Buffer.from(given.toLowerCase()))
  )
    return undefined;
  const then = ALPHABET.indexOf(tt.charAt(0).toUpperCase()) * 32 + ALPHABET.indexOf(tt.charAt(1).toUpperCase());
  const today = Math.floor(now / DAY_MS) % 1024;
  if ((today - then + 1024) % 1024 > MAX_AGE_DAYS) return undefined;
  return `${local}@${domain}`;
}
