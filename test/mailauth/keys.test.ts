import { createPublicKey, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isGatewayError } from '../../src/core/gateway-error.js';
import {
  createKeyParser,
  generateDkimKey,
  parsePrivateKey,
  publicKeyFromPrivate,
  selectorFor,
} from '../../src/mailauth/keys.js';

describe('generateDkimKey', () => {
  it('makes an RSA 2048 key whose p= is the base64 SPKI DER of the public key', async () => {
    const key = await generateDkimKey('rsa');
    expect(key.algorithm).toBe('rsa');
    expect(key.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(key.publicKeyDnsValue).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const publicKey = createPublicKey({
      key: Buffer.from(key.publicKeyDnsValue, 'base64'),
      format: 'der',
      type: 'spki',
    });
    expect(publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    const signature = sign('sha256', Buffer.from('x'), parsePrivateKey(key.privateKeyPem));
    expect(verify('sha256', Buffer.from('x'), publicKey, signature)).toBe(true);
  });

  it('makes an Ed25519 key whose p= is the raw 32-byte public key (RFC 8463), not an SPKI', async () => {
    const key = await generateDkimKey('ed25519');
    const raw = Buffer.from(key.publicKeyDnsValue, 'base64');
    expect(raw.length).toBe(32);
    const spki = createPublicKey(key.privateKeyPem).export({ type: 'spki', format: 'der' });
    expect(spki.subarray(-32).equals(raw)).toBe(true);
  });

  it('recomputes algorithm and p= from a stored private key', async () => {
    for (const algorithm of ['rsa', 'ed25519'] as const) {
      const key = await generateDkimKey(algorithm);
      expect(publicKeyFromPrivate(key.privateKeyPem)).toEqual({ algorithm, publicKeyDnsValue: key.publicKeyDnsValue });
    }
  });

  it('refuses unparseable or unsupported keys with E_DKIM_KEY and does not echo the key', () => {
    const secret = '-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----';
    try {
      parsePrivateKey(secret);
      expect.unreachable();
    } catch (err) {
      expect(isGatewayError(err, 'E_DKIM_KEY')).toBe(true);
      expect((err as Error).message).not.toContain('c2VjcmV0');
    }
  });
});

describe('createKeyParser', () => {
  it('parses each PEM once and forgets the oldest beyond its size', async () => {
    const [a, b] = await Promise.all([generateDkimKey('ed25519'), generateDkimKey('ed25519')]);
    const parse = createKeyParser(1);
    const first = parse(a.privateKeyPem);
    expect(parse(a.privateKeyPem)).toBe(first);
    parse(b.privateKeyPem);
    expect(parse(a.privateKeyPem)).not.toBe(first);
  });
});

describe('selectorFor', () => {
  it('carries year and month in UTC, with an e suffix for ed25519', () => {
    expect(selectorFor(new Date('2026-11-15T12:00:00Z'), 'rsa')).toBe('pb202611');
    expect(selectorFor(new Date('2026-11-15T12:00:00Z'), 'ed25519')).toBe('pb202611e');
    expect(selectorFor(new Date('2026-01-31T23:30:00-02:00'), 'rsa')).toBe('pb202602');
  });

  it('numbers a second key of the same month instead of reusing a selector', () => {
    const date = new Date('2026-11-01T00:00:00Z');
    expect(selectorFor(date, 'rsa', ['pb202611', 'pb202611e'])).toBe('pb202611-2');
    expect(selectorFor(date, 'ed25519', ['pb202611', 'pb202611e'])).toBe('pb202611-2e');
    expect(selectorFor(date, 'rsa', ['PB202611', 'pb202611-2'])).toBe('pb202611-3');
  });
});
