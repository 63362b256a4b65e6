import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { GatewayError } from '../core/gateway-error.js';
import type { Logger } from '../core/logger.js';
import { loadSecretKey, SECRET_KEY_BYTES } from './secret-key.js';

/**
 * Seals secrets at rest (tenants' SMTP passwords, DKIM private keys, OAuth refresh tokens)
 * with AES-256-GCM. A sealed value is one line of text that can sit in any JSON record:
 *   v1.<key fingerprint, 8 hex>.<iv, base64url>.<tag, base64url>.<ciphertext, base64url>
 * The context (e.g. `tenant:<id>:smtp-password`) is authenticated data: a value copied to
 * another field or tenant does not open there.
 */
export interface SecretBox {
  seal(plaintext: string, context: string): string;
  /** Throws GatewayError E_SECRET on a wrong key, wrong context, or a tampered or malformed value. */
  open(sealed: string, context: string): string;
  /** First 8 hex digits of sha256(key): tells which key sealed a value, reveals nothing of it. */
  keyFingerprint(): string;
  /**
   * A 32-byte key for another purpose (e.g. "verp" for bounce-address MACs), derived with
   * HKDF-SHA256 so that it reveals nothing of the sealing key and differs per purpose.
   */
  deriveKey(purpose: string): Buffer;
}

export interface SecretDescription {
  readonly hasSecret: boolean;
  readonly keyFingerprint?: string;
}

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const FINGERPRINT = /^[0-9a-f]{8}$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

export interface SecretBoxOptions {
  readonly dataDir: string;
  /** POSTBODE_SECRET_KEY, when set: 32 bytes as 64 hex digits or base64. */
  readonly envKey?: string;
  readonly logger: Logger;
}

/** Loads (or at first start creates) the key, then returns the box. Throws GatewayError E_CONFIG. */
export async function openSecretBox(opts: SecretBoxOptions): Promise<SecretBox> {
  const key = await loadSecretKey(opts);
  const box = createSecretBox(key);
  opts.logger.info(
    { keySource: opts.envKey === undefined ? 'file' : 'env', keyFingerprint: box.keyFingerprint() },
    'secret key loaded',
  );
  return box;
}

/** The box over a 32-byte key (copied: the caller may wipe its buffer). */
export function createSecretBox(keyBytes: Buffer): SecretBox {
  if (keyBytes.length !== SECRET_KEY_BYTES)
    throw new GatewayError('E_CONFIG', `secret key must be ${SECRET_KEY_BYTES} bytes`);
  const key = Buffer.from(keyBytes);
  const fingerprint = createHash('sha256').update(key).digest('hex').slice(0, 8);
  return {
    seal: (plaintext, context) => seal(key, fingerprint, plaintext, context),
    open: (sealed, context) => open(key, fingerprint, sealed, context),
    keyFingerprint: () => fingerprint,
    deriveKey: (purpose) => {
      requireContext(purpose);
      return Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), `postbode:${purpose}`, 32));
    },
  };
}

/** For API answers: whether a secret is set and under which key, never the value. Needs no key. */
export function describeSecret(sealed?: string): SecretDescription {
  if (sealed === undefined || sealed === '') return { hasSecret: false };
  const [version, fingerprint] = sealed.split('.');
  return version === VERSION && fingerprint !== undefined && FINGERPRINT.test(fingerprint)
    ? { hasSecret: true, keyFingerprint: fingerprint }
    : { hasSecret: true };
}

function seal(key: Buffer, fingerprint: string, plaintext: string, context: string): string {
  requireContext(context);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const parts = [iv, cipher.getAuthTag(), ciphertext].map((b) => b.toString('base64url'));
  return [VERSION, fingerprint, ...parts].join('.');
}

function open(key: Buffer, fingerprint: string, sealed: string, context: string): string {
  requireContext(context);
  const parts = parse(sealed, context);
  if (parts.fingerprint !== fingerprint) {
    throw new GatewayError(
      'E_SECRET',
      `secret for ${context} was sealed with key ${parts.fingerprint}, ` +
        `but the loaded key is ${fingerprint} (was POSTBODE_SECRET_KEY or secret.key changed?)`,
    );
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, parts.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(parts.tag);
    return Buffer.concat([decipher.update(parts.ciphertext), decipher.final()]).toString('utf8');
  } catch (err) {
    // The cause is OpenSSL's "Unsupported state or unable to authenticate data": it holds no plaintext.
    throw new GatewayError(
      'E_SECRET',
      `secret for ${context} cannot be opened: it was sealed for another field, ` + 'or it was altered',
      { cause: err },
    );
  }
}

function parse(sealed: string, context: string): { fingerprint: string; iv: Buffer; tag: Buffer; ciphertext: Buffer } {
  const [version, fingerprint, iv, tag, ciphertext, ...rest] = sealed.split('.');
  const wellFormed =
    version === VERSION &&
    rest.length === 0 &&
    fingerprint !== undefined &&
    FINGERPRINT.test(fingerprint) &&
    [iv, tag, ciphertext].every((p) => p !== undefined && BASE64URL.test(p));
  const decoded = wellFormed ? [iv, tag, ciphertext].map((p) => Buffer.from(p ?? '', 'base64url')) : [];
  const [ivBytes, tagBytes, ctBytes] = decoded;
  if (
    !fingerprint ||
    !ivBytes ||
    !tagBytes ||
    !ctBytes ||
    ivBytes.length !== IV_BYTES ||
    tagBytes.length !== TAG_BYTES
  ) {
    throw new GatewayError(
      'E_SECRET',
      `secret for ${context} is not a sealed value (expected ${VERSION}.<key>.<iv>.<tag>.<data>)`,
    );
  }
  return { fingerprint, iv: ivBytes, tag: tagBytes, ciphertext: ctBytes };
}

function requireContext(context: string): void {
  if (context === '') throw new GatewayError('E_INVALID', 'a secret needs a context (e.g. tenant:<id>:smtp-password)');
}
