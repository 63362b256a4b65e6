import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { GatewayError } from '../../core/gateway-error.js';
import { LEGACY_VERSION, openLegacyToken } from './legacy-token.js';

/**
 * Open-tracking tokens: the pixel URL carries the message id and recipient sealed with
 * AES-256-GCM under a key derived from the tracking secret. Sealed, not just signed: the URL
 * goes through image proxies, scanners and access logs, and must not show whom the mail was
 * for. Without the secret nobody can make or edit a token (marking someone else's mail read),
 * and tokens cannot be enumerated. Each token has its own random nonce.
 *
 * Layout (then base64url, no padding):
 *   version(1) = 2 | nonce(12) | ciphertext | tag(16)
 *   plaintext = flags(1) | len(messageId)(1) | messageId | recipient
 *   additional data = "postbode/open/v2" | version
 * Version 1 tokens (signed, in mail sent earlier) are still read: legacy-token.ts.
 */
export interface TokenPayload {
  readonly messageId: string;
  readonly recipient: string;
  /** False for archive and accountant copies: their opens are never counted as reads. */
  readonly counts: boolean;
}

const VERSION = 2;
const FLAG_COUNTS = 0x01;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const CONTEXT = 'postbode/open/v2';
const AAD = Buffer.concat([Buffer.from(CONTEXT, 'ascii'), Buffer.from([VERSION])]);
const MIN_SECRET_BYTES = 32;
/** Longest token accepted: bounds the work a forged request can cause. */
export const MAX_TOKEN_LENGTH = 1024;
const MAX_ID_BYTES = 255;
const MAX_RECIPIENT_BYTES = 512;

function secretBytes(secret: string | Buffer): Buffer {
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
  if (bytes.length < MIN_SECRET_BYTES)
    throw new GatewayError('E_CONFIG', `tracking secret must be at least ${MIN_SECRET_BYTES} bytes`);
  return bytes;
}

/** Derived once per secret Buffer (the gateway holds one): every pixel would otherwise run HKDF again. */
const sealKeys = new WeakMap<Buffer, Buffer>();

/** Its own key for sealing: the secret itself also verifies version 1 MACs. */
function sealKey(secret: Buffer): Buffer {
  const cached = sealKeys.get(secret);
  if (cached !== undefined) return cached;
  const key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), CONTEXT, 32));
  sealKeys.set(secret, key);
  return key;
}

export function makeToken(secret: string | Buffer, payload: TokenPayload): string {
  const key = sealKey(secretBytes(secret));
  const id = Buffer.from(payload.messageId, 'utf8');
  const recipient = Buffer.from(payload.recipient, 'utf8');
  if (id.length === 0 || id.length > MAX_ID_BYTES || recipient.length === 0 || recipient.length > MAX_RECIPIENT_BYTES) {
    throw new GatewayError('E_INVALID', 'message id (1 to 255 bytes) and recipient (1 to 512 bytes) are required');
  }
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES }).setAAD(AAD);
  const plain = Buffer.concat([Buffer.from([payload.counts ? FLAG_COUNTS : 0, id.length]), id, recipient]);
  const sealed = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), nonce, sealed, cipher.getAuthTag()]).toString('base64url');
}

function decode(token: string): Buffer | undefined {
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH || !/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
  const bytes = Buffer.from(token, 'base64url');
  // One token per payload: spare trailing bits or a stray character would decode the same.
  return bytes.toString('base64url') === token ? bytes : undefined;
}

function openSealed(secret: Buffer, bytes: Buffer): TokenPayload | null {
  if (bytes.length < 1 + NONCE_BYTES + 3 + TAG_BYTES) return null;
  const decipher = createDecipheriv('aes-256-gcm', sealKey(secret), bytes.subarray(1, 1 + NONCE_BYTES), {
    authTagLength: TAG_BYTES,
  });
  decipher.setAAD(AAD).setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
  let plain: Buffer;
  try {
    plain = Buffer.concat([
      decipher.update(bytes.subarray(1 + NONCE_BYTES, bytes.length - TAG_BYTES)),
      decipher.final(),
    ]);
  } catch {
    return null; // tag mismatch: forged or edited
  }
  const flags = plain[0] ?? 0;
  const idLength = plain[1] ?? 0;
  if ((flags & ~FLAG_COUNTS) !== 0 || idLength === 0 || 2 + idLength >= plain.length) return null;
  return {
    messageId: plain.subarray(2, 2 + idLength).toString('utf8'),
    recipient: plain.subarray(2 + idLength).toString('utf8'),
    counts: (flags & FLAG_COUNTS) !== 0,
  };
}

/** The payload when the token is genuine, else null. Never throws for bad input (it comes from the internet). */
export function verifyToken(secret: string | Buffer, token: string): TokenPayload | null {
  const key = secretBytes(secret);
  const bytes = decode(token);
  if (bytes === undefined) return null;
  if (bytes[0] === VERSION) return openSealed(key, bytes);
  return bytes[0] === LEGACY_VERSION ? openLegacyToken(key, bytes) : null;
}
