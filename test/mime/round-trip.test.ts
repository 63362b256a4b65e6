import { describe, expect, it } from 'vitest';
import {
  findHeaderEnd,
  joinMessage,
  splitFields,
  splitMessage,
  startsWithField,
  withoutFields,
} from '../../src/mime/index.js';

/** A small seeded generator (mulberry32): the same awkward inputs on every run, no dependency. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  'From: a@x.test',
  'Subject: =?UTF-8?B?w6k=?=',
  'X-Empty:',
  'Bad line',
  ' folded',
  '\tfolded',
  ':',
  '\r\n',
  '\r\n',
  '\n',
  '\r',
  '\r\n\r\n',
  '\n\n',
  '\0',
  '\xe9\xff\x80',
  'body text',
  '--b',
  ' ',
  '',
];
const LONG_FOLDED = `X-Long: ${Array.from({ length: 400 }, (_v, i) => `word${i}`).join('\r\n ')}`;

const NAMED: Record<string, string> = {
  'bare LF': 'From: a@x.test\nSubject: hi\n\nbody\n',
  'CR alone': 'From: a@x.test\rX: y\r\n\r\nbo\rdy',
  'no body': 'From: a@x.test\r\nSubject: hi\r\n\r\n',
  'header only': 'From: a@x.test\r\nSubject: hi\r\n',
  'header only, last line unended': 'From: a@x.test\r\nSubject: hi',
  'no header': 'hello\r\nworld\r\n',
  'leading blank line': '\r\nbody',
  empty: '',
  '8-bit': 'Subject: caf\xe9 \xff\r\nFrom: \x80@x.test\r\n\r\n\xe9\xe9\r\n',
  'very long folded field': `${LONG_FOLDED}\r\nFrom: a@x.test\r\n\r\nbody`,
  NUL: 'From: a\0@x.test\r\nX: \0\r\n\r\n\0body',
  'mixed line ends': 'A: 1\r\nB: 2\n\tfold\r\n C\nD: 4\n\r\nbody',
  'fold after a bad line': 'A: 1\r\nbad\r\n fold\r\n\r\n',
};

function assertRoundTrip(input: string): void {
  const raw = Buffer.from(input, 'latin1');
  const split = splitMessage(raw);
  expect(joinMessage(split).toString('latin1')).toBe(input);
  expect(joinMessage(withoutFields(split, [])).toString('latin1')).toBe(input);
  const end = findHeaderEnd(raw)?.end ?? raw.length;
  const block = input.slice(0, startsWithField(raw) ? end : 0);
  expect(
    splitFields(block)
      .map((f) => f.text + f.lineEnd)
      .join(''),
  ).toBe(block);
}

describe('join(split(x)) is x, byte for byte', () => {
  for (const [name, input] of Object.entries(NAMED)) {
    it(name, () => assertRoundTrip(input));
  }

  it('over 3000 generated messages of awkward pieces', () => {
    const next = random(16);
    for (let i = 0; i < 3000; i++) {
      const count = Math.floor(next() * 24);
      const input = Array.from({ length: count }, () => PIECES[Math.floor(next() * PIECES.length)] ?? '').join('');
      assertRoundTrip(input);
    }
  });
});
