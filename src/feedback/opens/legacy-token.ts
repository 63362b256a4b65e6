import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Version 1 pixel tokens, in mail sent before tokens were sealed: signed, not encrypted, so
 * they show the recipient's address. Nothing makes them any more; the pixel route still
 * reads them, so opens of mail already in mailboxes keep counting.
 *
 * Layout (then base64url): 1 | flags(1) | len(messageId)(2, big-endian) | messageId | recipient | mac(16)
 * mac = HMAC-SHA256(secret, "postbode/open/v1" | everything before it), first 128 bits.
 */
/** What a version 1 token names (the same shape as tracking-token.ts's TokenPayload). */
export interface LegacyPayload {
  readonly messageId: string;
  readonly recipient: string;
  readonly counts: boolean;
}

export const LEGACY_VERSION = 1;
const FLAG_COUNTS = 0x01;
const MAC_BYTES = 16;
const CONTEXT = Buffer.from('postbode/open/v1', 'ascii');

function mac(secret: Buffer, body: Buffer): Buffer {
  return createHmac('sha256', secret).update(CONTEXT).update(body).digest().subarray(0, MAC_BYTES);
}

/** `bytes`: the decoded token, its first byte LEGACY_VERSION. Null unless genuine. */
export function openLegacyToken(secret: Buffer, bytes: Buffer): LegacyPayload | null {
  if (bytes.length < 4 + 2 + MAC_BYTES) return null;
  const body = bytes.subarray(0, bytes.length - MAC_BYTES);
  if (!timingSafeEqual(mac(secret, body), bytes.subarray(bytes.length - MAC_BYTES))) return null;
  const flags = body[1] ?? 0;
  const idLength = ((body[2] ?? 0) << 8) | (body[3] ?? 0);
  if (body[0] !== LEGACY_VERSION || (flags & ~FLAG_COUNTS) !== 0 || idLength === 0 || 4 + idLength >= body.length)
    return null;
  return {
    messageId: body.subarray(4, 4 + idLength).toString('utf8'),
    recipient: body.subarray(4 + idLength).toString('utf8'),
    counts: (flags & FLAG_COUNTS) !== 0,
  };
}
