import { createHmac, randomBytes } from 'node:crypto';
import { GatewayError } from '../core/gateway-error.js';

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): a secret is `whsec_` + base64 of
 * 24 to 64 random bytes; a signature is `v1,` + base64 HMAC-SHA256 over `${id}.${timestamp}.${body}`
 * keyed with the secret's bytes. Several signatures (a rotation's overlap) are space-separated.
 */
export const SECRET_PREFIX = 'whsec_';
const SECRET_BYTES = 32;

export function newWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

/** The key bytes of a `whsec_` secret; throws GatewayError E_INVALID for anything else. */
export function secretBytes(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) throw new GatewayError('E_INVALID', 'a webhook secret starts with whsec_');
  const bytes = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
  if (bytes.length < 24 || bytes.length > 64) {
    throw new GatewayError('E_INVALID', 'a webhook secret holds 24 to 64 bytes (base64)');
  }
  return bytes;
}

export interface SignedHeaders {
  readonly 'webhook-id': string;
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
}

/** The three headers for one attempt: `timestamp` in seconds, one `v1,` signature per secret. */
export function signHeaders(id: string, timestampSec: number, body: string, secrets: readonly string[]): SignedHeaders {
  const content = `${id}.${timestampSec}.${body}`;
  const signatures = secrets.map((s) => `v1,${createHmac('sha256', secretBytes(s)).update(content).digest('base64')}`);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSec),
    'webhook-signature': signatures.join(' '),
  };
}
