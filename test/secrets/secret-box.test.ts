import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GatewayError, isGatewayError } from '../../src/core/gateway-error.js';
import { createSecretBox, describeSecret } from '../../src/secrets/secret-box.js';

const CANARY = 'canary-Pa55w0rd-7f3e';
const CONTEXT = 'tenant:T1:smtp-password';
const key = Buffer.alloc(32, 7);

function openError(action: () => unknown): GatewayError {
  try {
    action();
  } catch (err) {
    if (isGatewayError(err, 'E_SECRET')) return err;
    throw err;
  }
  throw new Error('expected E_SECRET');
}

/** Flips one character of the part at `index` (0 = version ... 4 = ciphertext) to another base64url one. */
function tamper(sealed: string, index: number): string {
  const parts = sealed.split('.');
  const part = parts[index] ?? '';
  parts[index] = (part[0] === 'A' ? 'B' : 'A') + part.slice(1);
  return parts.join('.');
}

describe('SecretBox', () => {
  it('round-trips, with a fresh IV each time, in the documented format', () => {
    const box = createSecretBox(key);
    const a = box.seal(CANARY, CONTEXT);
    const b = box.seal(CANARY, CONTEXT);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v1\.[0-9a-f]{8}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
    expect(a.split('.')[1]).toBe(box.keyFingerprint());
    expect(a).not.toContain(CANARY);
    expect(box.open(a, CONTEXT)).toBe(CANARY);
    expect(box.open(box.seal('', CONTEXT), CONTEXT)).toBe('');
    const unicode = '-----BEGIN PRIVATE KEY-----\nünïcödé €\n';
    expect(box.open(box.seal(unicode, 'tenant:T1:dkim-key'), 'tenant:T1:dkim-key')).toBe(unicode);
  });

  it('refuses a value moved to another field or tenant', () => {
    const box = createSecretBox(key);
    const sealed = box.seal(CANARY, CONTEXT);
    for (const other of ['tenant:T2:smtp-password', 'tenant:T1:oauth-refresh-token', `${CONTEXT} `]) {
      const err = openError(() => box.open(sealed, other));
      expect(err.message).not.toContain(CANARY);
    }
  });

  it('refuses a tampered IV, tag, ciphertext, fingerprint or shape, never echoing the plaintext', () => {
    const box = createSecretBox(key);
    const sealed = box.seal(CANARY, CONTEXT);
    const variants = [
      tamper(sealed, 2),
      tamper(sealed, 3),
      tamper(sealed, 4),
      tamper(sealed, 1),
      sealed.replace(/^v1/, 'v2'),
      `${sealed}.extra`,
      sealed.split('.').slice(0, 4).join('.'),
      '',
      'plaintext',
      sealed.slice(0, -2),
    ];
    for (const bad of variants) {
      const err = openError(() => box.open(bad, CONTEXT));
      expect(err.message).not.toContain(CANARY);
      expect(JSON.stringify(err)).not.toContain(CANARY);
    }
  });

  it('refuses a value sealed with another key, naming both fingerprints', () => {
    const sealed = createSecretBox(key).seal(CANARY, CONTEXT);
    const other = createSecretBox(randomBytes(32));
    const err = openError(() => other.open(sealed, CONTEXT));
    expect(err.message).toContain(other.keyFingerprint());
    expect(err.message).toContain(createSecretBox(key).keyFingerprint());
    // Even with the fingerprint rewritten to match, the tag does not verify.
    const forged = sealed.replace(/^v1\.[0-9a-f]{8}/, `v1.${other.keyFingerprint()}`);
    expect(openError(() => other.open(forged, CONTEXT)).message).not.toContain(CANARY);
  });

  it('has a stable fingerprint: first 8 hex digits of sha256(key)', () => {
    expect(createSecretBox(key).keyFingerprint()).toBe(createSecretBox(Buffer.from(key)).keyFingerprint());
    // sha256 of 32 bytes of 0x07 and of 32 zero bytes, computed once with `node -e`
    expect(createSecretBox(key).keyFingerprint()).toBe('4bb06f8e');
    expect(createSecretBox(Buffer.alloc(32, 0)).keyFingerprint()).toBe('66687aad');
    expect(createSecretBox(Buffer.alloc(32, 0)).keyFingerprint()).not.toBe(createSecretBox(key).keyFingerprint());
  });

  it('keeps the key out of JSON and requires a context and a 32-byte key', () => {
    const box = createSecretBox(key);
    expect(JSON.stringify(box)).toBe('{}');
    expect(() => box.seal('x', '')).toThrow(GatewayError);
    expect(() => createSecretBox(Buffer.alloc(16))).toThrow(/32 bytes/);
  });
});

describe('describeSecret', () => {
  it('says whether a secret is set and under which key, without a key', () => {
    const box = createSecretBox(key);
    const sealed = box.seal(CANARY, CONTEXT);
    expect(describeSecret(sealed)).toEqual({ hasSecret: true, keyFingerprint: box.keyFingerprint() });
    expect(describeSecret(undefined)).toEqual({ hasSecret: false });
    expect(describeSecret('')).toEqual({ hasSecret: false });
    expect(describeSecret('garbage')).toEqual({ hasSecret: true });
    expect(JSON.stringify(describeSecret(sealed))).not.toContain(CANARY);
  });
});
