import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isGatewayError } from '../../../src/core/gateway-error.js';
import { makeToken, MAX_TOKEN_LENGTH, verifyToken } from '../../../src/feedback/opens/tracking-token.js';

const SECRET = Buffer.from('0123456789abcdef0123456789abcdef-test-secret');
const OTHER = Buffer.from('fedcba9876543210fedcba9876543210-test-secret');
const PAYLOAD = { messageId: '01HV8Z3K4M5N6P7Q8R9S', recipient: 'piet@klant.example', counts: true };

describe('tracking tokens', () => {
  it('round-trip, URL-safe, for counting and non-counting copies', () => {
    const token = makeToken(SECRET, PAYLOAD);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(verifyToken(SECRET, token)).toEqual(PAYLOAD);
    const archive = { ...PAYLOAD, recipient: 'archief@acme.example', counts: false };
    expect(verifyToken(SECRET, makeToken(SECRET, archive))).toEqual(archive);
    expect(verifyToken(SECRET.toString('utf8'), makeToken(SECRET.toString('utf8'), PAYLOAD))).toEqual(PAYLOAD);
  });

  it('carry a MAC of at least 128 bits', () => {
    const bytes = Buffer.from(makeToken(SECRET, PAYLOAD), 'base64url');
    const payloadBytes = 4 + Buffer.byteLength(PAYLOAD.messageId) + Buffer.byteLength(PAYLOAD.recipient);
    expect(bytes.length - payloadBytes).toBeGreaterThanOrEqual(16);
  });

  it('fail with another secret', () => {
    expect(verifyToken(OTHER, makeToken(SECRET, PAYLOAD))).toBeNull();
  });

  it('fail when any character is changed', () => {
    const token = makeToken(SECRET, PAYLOAD);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (let i = 0; i < token.length; i += 1) {
      const replacement = alphabet[(alphabet.indexOf(token[i] ?? 'A') + 1) % alphabet.length];
      expect(verifyToken(SECRET, token.slice(0, i) + replacement + token.slice(i + 1))).toBeNull();
    }
  });

  it('fail when the payload is edited: counts flipped, another recipient or message, or mac re-used', () => {
    const bytes = Buffer.from(makeToken(SECRET, { ...PAYLOAD, counts: false }), 'base64url');
    const flipped = Buffer.from(bytes);
    flipped[1] = 1;
    expect(verifyToken(SECRET, flipped.toString('base64url'))).toBeNull();
    const mac = bytes.subarray(bytes.length - 16);
    const forged = Buffer.concat([
      Buffer.from(makeToken(OTHER, { ...PAYLOAD, recipient: 'eva@klant.example' }), 'base64url').subarray(0, -16),
      mac,
    ]);
    expect(verifyToken(SECRET, forged.toString('base64url'))).toBeNull();
  });

  it('fail when truncated, extended, padded, re-encoded or malformed', () => {
    const token = makeToken(SECRET, PAYLOAD);
    for (const bad of [
      token.slice(0, -1),
      token.slice(1),
      `${token}A`,
      `${token}=`,
      `${token}.`,
      token.replace(/-/g, '+').replace(/_/g, '/') + (token.includes('-') || token.includes('_') ? '' : '+'),
      '',
      'AAAA',
      'x'.repeat(MAX_TOKEN_LENGTH + 1),
      `../${token}`,
      `${token}\n`,
    ]) {
      expect(verifyToken(SECRET, bad)).toBeNull();
    }
  });

  it('cannot be enumerated: sequential ids, random tokens and a neighbour of a real token all fail', () => {
    const real = Buffer.from(makeToken(SECRET, PAYLOAD), 'base64url');
    let accepted = 0;
    for (let i = 0; i < 2_000; i += 1) {
      const guess = Buffer.concat([real.subarray(0, -16), randomBytes(16)]);
      if (verifyToken(SECRET, guess.toString('base64url')) !== null) accepted += 1;
      if (verifyToken(SECRET, randomBytes(20 + (i % 60)).toString('base64url')) !== null) accepted += 1;
      const neighbour = Buffer.from(real);
      neighbour.writeUInt8((neighbour.readUInt8(4) + 1 + (i % 200)) % 256, 4);
      if (verifyToken(SECRET, neighbour.toString('base64url')) !== null) accepted += 1;
    }
    expect(accepted).toBe(0);
  });

  it(
    'are sealed: neither the address nor the message id can be read from them, and two tokens for one payload ' +
      'differ',
    () => {
      const token = makeToken(SECRET, PAYLOAD);
      const bytes = Buffer.from(token, 'base64url');
      for (const view of [bytes.toString('latin1'), bytes.toString('utf8'), token]) {
        for (const secret of [PAYLOAD.recipient, 'klant.example', 'piet', PAYLOAD.messageId])
          expect(view.toLowerCase()).not.toContain(secret.toLowerCase());
      }
      expect(makeToken(SECRET, PAYLOAD)).not.toBe(token);
    },
  );

  it('an edit of the sealed text that would name another message is refused', () => {
    const bytes = Buffer.from(makeToken(SECRET, PAYLOAD), 'base64url');
    const mine = Buffer.from(PAYLOAD.messageId);
    const theirs = Buffer.from('01HV8Z3K4M5N6P7Q8R9T');
    // AES-GCM is a stream cipher underneath: the edit lines up, only the tag stops it
    for (let i = 0; i < mine.length; i++) bytes[1 + 12 + 2 + i]! ^= mine[i]! ^ theirs[i]!;
    expect(verifyToken(SECRET, bytes.toString('base64url'))).toBeNull();
  });

  it('version 1 tokens in mail already sent are still read; a forged one is not', () => {
    const v1 = (secret: Buffer, id: string, recipient: string, flags: number): string => {
      const body = Buffer.concat([
        Buffer.from([1, flags, 0, Buffer.byteLength(id)]),
        Buffer.from(id),
        Buffer.from(recipient),
      ]);
      const mac = createHmac('sha256', secret).update('postbode/open/v1').update(body).digest().subarray(0, 16);
      return Buffer.concat([body, mac]).toString('base64url');
    };
    expect(verifyToken(SECRET, v1(SECRET, PAYLOAD.messageId, PAYLOAD.recipient, 1))).toEqual(PAYLOAD);
    expect(verifyToken(SECRET, v1(SECRET, PAYLOAD.messageId, PAYLOAD.recipient, 0))).toEqual({
      ...PAYLOAD,
      counts: false,
    });
    expect(verifyToken(SECRET, v1(OTHER, PAYLOAD.messageId, PAYLOAD.recipient, 1))).toBeNull();
    expect(verifyToken(SECRET, v1(SECRET, PAYLOAD.messageId, PAYLOAD.recipient, 3))).toBeNull();
  });

  it('refuse a short secret and oversized fields', () => {
    const err = (() => {
      try {
        makeToken('short', PAYLOAD);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(isGatewayError(err, 'E_CONFIG')).toBe(true);
    expect(() => verifyToken('short', 'AAAA')).toThrow(/at least 32 bytes/);
    expect(() => makeToken(SECRET, { ...PAYLOAD, recipient: 'x'.repeat(513) })).toThrow(/1 to 512 bytes/);
    expect(() => makeToken(SECRET, { ...PAYLOAD, messageId: '' })).toThrow(/1 to 255 bytes/);
    expect(() => makeToken(SECRET, { ...PAYLOAD, messageId: 'x'.repeat(256) })).toThrow(/1 to 255 bytes/);
  });
});
