import { createHmac, timingSafeEqual } from 'node:crypto';
import { GatewayError } from '../core/gateway-error.js';

/**
 * Open-tracking tokens: the pixel URL carries the message id and recipient, signed with a
 * server secret. Without the secret nobody can make a token for another message or
 * recipient (marking someone else's mail read), and tokens cannot be enumerated.
 *
 * Layout (then base64url, no padding):
 *   version(1) | flags(1) | len(messageId)(2, big-endian) | messageId | recipient | mac(16)
 * mac = HMAC-SHA256(secret, "postbode/open/v1" | everything before it), first 128 bits.
 * The payload is signed, not encrypted: the token shows the recipient's own address, which is
 * in the recipient's own mailbox anyway.
 */
export interface TokenPayload {
  readonly messageId: string;
  readonly recipient: string;
  /** False for archive and accountant copies: their opens are never counted as reads. */
  readonly counts: boolean;
}

const VERSION = 1;
const FLAG_COUNTS = 0x01;
const MAC_BYTES = 16;
const CONTEXT = Buffer.from('postbode/open/v1', 'ascii');
const MIN_SECRET_BYTES = 32;
/** Longest token accepted: bounds the work a forged request can cause. */
export const MAX_TOKEN_LENGTH = 1024;
const MAX_FIELD_BYTES = 512;

function secretBytes(secret: string | Buffer): Buffer {
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
  if (bytes.length < MIN_SECRET_BYTES) throw new GatewayError('E_CONFIG', `tracking secret must be at least ${MIN_SECRET_BYTES} bytes`);
  return bytes;
}

function mac(secret: Buffer, body: Buffer): Buffer {
  return createHmac('sha256', secret).update(CONTEXT).update(body).digest().subarray(0, MAC_BYTES);
}

export function makeToken(secret: string | Buffer, payload: TokenPayload): string {
  const key = secretBytes(secret);
  const id = Buffer.from(payload.messageId, 'utf8');
  const recipient = Buffer.from(payload.recipient, 'utf8');
  if (id.length === 0 || id.length > MAX_FIELD_BYTES || recipient.length === 0 || recipient.length > MAX_FIELD_BYTES) {
    throw new GatewayError('E_INVALID', 'message id and recipient must be 1 to 512 bytes');
  }
  const head = Buffer.from([VERSION, payload.counts ? FLAG_COUNTS : 0, id.length >> 8, id.length & 0xff]);
  const body = Buffer.concat([head, id, recipient]);
  return Buffer.concat([body, mac(key, body)]).toString('base64url');
}

function decode(token: string): Buffer | undefined {
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH || !/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
  const bytes = Buffer.from(token, 'base64url');
  // One token per payload: spare trailing bits or a stray character would decode the same.
  return bytes.toString('base64url') === token ? bytes : undefined;
}

/** The payload when the token is genuine, else null. Never throws for bad input (it comes from the internet). */
export function verifyToken(secret: string | Buffer, token: string): TokenPayload | null {
  const key = secretBytes(secret);
  const bytes = decode(token);
  if (bytes === undefined || bytes.length < 4 + 2 + MAC_BYTES) return null;
  const body = bytes.subarray(0, bytes.length - MAC_BYTES);
  if (!timingSafeEqual(mac(key, body), bytes.subarray(bytes.length - MAC_BYTES))) return null;
  const version = body[0];
  const flags = body[1] ?? 0;
  const idLength = ((body[2] ?? 0) << 8) | (body[3] ?? 0);
  if (version !== VERSION || (flags & ~FLAG_COUNTS) !== 0 || idLength === 0 || 4 + idLength >= body.length) return null;
  return {
    messageId: body.subarray(4, 4 + idLength).toString('utf8'),
    recipient: body.subarray(4 + idLength).toString('utf8'),
    counts: (flags & FLAG_COUNTS) !== 0,
  };
}
