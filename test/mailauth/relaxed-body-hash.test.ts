import { describe, expect, it } from 'vitest';
import { loadMailauthInternals } from '../../src/mailauth/mailauth-internals.js';
import { relaxedBodyHash, relaxedCrlfBodyHash } from '../../src/mailauth/relaxed-body-hash.js';

const mailauth = loadMailauthInternals();

/** mailauth's own relaxed body hash: what its verifier (and every test that verifies a signature) computes. */
function mailauthHash(body: Buffer): string {
  const hasher = mailauth.dkimBody('relaxed', 'sha256', false);
  hasher.update(body);
  return hasher.digest('base64');
}

/** A deterministic generator, so that a failure names a body that can be run again. */
function generator(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Lines made of the bytes canonicalisation cares about: spaces, tabs, stray CRs, empty and blank lines. */
function randomCrlfBody(random: () => number): Buffer {
  const atoms = ['a', 'b', 'Zz', ' ', '  ', '\t', ' \t ', '\r', '=', '\u00e9'];
  const lines: string[] = [];
  const count = Math.floor(random() * 12);
  for (let i = 0; i < count; i++) {
    let line = '';
    const length = Math.floor(random() * 8);
    for (let j = 0; j < length; j++) line += atoms[Math.floor(random() * atoms.length)];
    lines.push(line);
  }
  // No bare LF; a stray CR never right before the line's own CRLF's LF is left to chance.
  return Buffer.from(lines.map((l) => `${l}\r\n`).join(''), 'latin1');
}

describe('relaxedBodyHash', () => {
  it('matches mailauth on 5,000 generated bodies (spaces, tabs, stray CRs, trailing empty and blank lines)', () => {
    const random = generator(19);
    for (let i = 0; i < 5000; i++) {
      const body = randomCrlfBody(random);
      expect(relaxedBodyHash(body), JSON.stringify(body.toString('latin1'))).toBe(mailauthHash(body));
    }
  });

  it('matches mailauth on the edge cases by hand', () => {
    const cases = [
      '',
      '\r\n',
      '\r\n\r\n\r\n',
      '   \r\n\t\r\n',
      'a\r\n',
      ' a\r\n',
      'a \r\n',
      'a\t\r\n',
      'a  b\r\n\r\n',
      'a \r\r\n',
      'a\r\r\n\r\n',
      'line one\r\n \r\nline three \t \r\n\r\n \r\n',
      `${'QUJD'.repeat(19)}\r\n`.repeat(1300),
    ];
    for (const text of cases) {
      const body = Buffer.from(text, 'latin1');
      expect(relaxedBodyHash(body), JSON.stringify(text.slice(0, 60))).toBe(mailauthHash(body));
    }
  });

  it('leaves to mailauth what it handles differently: a bare LF, no CRLF at the very end', () => {
    expect(relaxedBodyHash(Buffer.from('a\nb\r\n'))).toBeUndefined();
    expect(relaxedCrlfBodyHash(Buffer.from('a\r\nb'))).toBeUndefined();
    expect(relaxedCrlfBodyHash(Buffer.from('a\r\nb '))).toBeUndefined();
  });
});
