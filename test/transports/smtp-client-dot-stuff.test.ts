import DataStream from 'nodemailer/lib/smtp-connection/data-stream.js';
import { describe, expect, it } from 'vitest';
import { dotStuff } from '../../src/transports/smtp/client/dot-stuff.js';

const stuffed = (body: string | Buffer): string =>
  Buffer.concat(dotStuff(typeof body === 'string' ? Buffer.from(body, 'latin1') : body)).toString('latin1');

/** nodemailer's per-byte data stream: the behaviour we keep parity with. */
function nodemailerStuffed(body: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const stream = new DataStream();
    const out: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => out.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(out).toString('latin1')));
    stream.on('error', reject);
    stream.end(body);
  });
}

/** A small deterministic PRNG, so a failing case can be replayed. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Bodies made mostly of the bytes that matter here: CR, LF, dot, and some text. */
const ALPHABETS = [
  [0x0d, 0x0a, 0x2e, 0x2e, 0x41, 0x20, 0x0d, 0x0a],
  [0x0a, 0x2e, 0x41, 0x20], // LF only: no CR anywhere
  [0x0d, 0x2e, 0x41, 0x20], // CR only
];

function nastyBody(random: () => number, length: number, alphabet: readonly number[]): Buffer {
  return Buffer.from(Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]!));
}

describe('dot-stuffing', () => {
  it('stuffs a dot at the very start and after every CRLF', () => {
    expect(stuffed('.start\r\nmiddle\r\n.dot\r\n..two\r\nend\r\n')).toBe(
      '..start\r\nmiddle\r\n..dot\r\n...two\r\nend\r\n.\r\n',
    );
  });

  it('turns a lone dot line into two dots, so it cannot end the data', () => {
    expect(stuffed('a\r\n.\r\nb\r\n')).toBe('a\r\n..\r\nb\r\n.\r\n');
  });

  it('ends with CRLF.CRLF, or only .CRLF when the body already ends with CRLF', () => {
    expect(stuffed('no line end')).toBe('no line end\r\n.\r\n');
    expect(stuffed('line end\r\n')).toBe('line end\r\n.\r\n');
    expect(stuffed('')).toBe('\r\n.\r\n');
    expect(stuffed('.')).toBe('..\r\n.\r\n');
  });

  it('leaves dots that are not at a line start alone', () => {
    expect(stuffed('a.b\r\n x.\r\n')).toBe('a.b\r\n x.\r\n.\r\n');
  });

  it('returns slices of the original buffer for a clean body (no copy of the content)', () => {
    const body = Buffer.from('Subject: x\r\n\r\nhello\r\n');
    const slices = dotStuff(body);
    expect(slices).toHaveLength(2);
    expect(slices[0]!.buffer).toBe(body.buffer);
    expect(slices[0]!.byteOffset).toBe(body.byteOffset);
  });

  it('turns bare LF and bare CR into CRLF and stuffs the lines they start', () => {
    expect(stuffed('a\n.b\n')).toBe('a\r\n..b\r\n.\r\n');
    expect(stuffed('a\r.b\r')).toBe('a\r\n..b\r\n.\r\n');
    expect(stuffed('\n.\n')).toBe('\r\n..\r\n.\r\n');
    expect(stuffed('x\r\r\ny\n\rz')).toBe('x\r\n\r\ny\r\n\r\nz\r\n.\r\n');
    expect(stuffed('smuggled\r\n.\nMAIL FROM:<x>\n')).toBe('smuggled\r\n..\r\nMAIL FROM:<x>\r\n.\r\n');
  });

  it('matches nodemailer byte for byte on the edge cases', async () => {
    const cases = [
      '',
      '.',
      '\r',
      '\n',
      '\r\n',
      '.\r\n',
      '\r\n.',
      'a\r',
      'a\n',
      '\n.',
      '\r.',
      '..\r\r..\n\n..',
      'x\r\n..\r\n.\r\n',
    ];
    for (const text of cases) {
      const body = Buffer.from(text, 'latin1');
      expect(stuffed(body), JSON.stringify(text)).toBe(await nodemailerStuffed(body));
    }
  });

  it('matches nodemailer byte for byte on 500 random bodies full of CR, LF and dots', async () => {
    const random = prng(20260302);
    for (let i = 0; i < 500; i++) {
      const body = nastyBody(random, 1 + Math.floor(random() * 200), ALPHABETS[i % ALPHABETS.length]!);
      expect(stuffed(body), `case ${i}: ${JSON.stringify(body.toString('latin1'))}`).toBe(
        await nodemailerStuffed(body),
      );
    }
  });

  it('matches nodemailer on 100 KB CRLF text with dot lines (the fast path)', async () => {
    const random = prng(7);
    const lines = Array.from(
      { length: 1_500 },
      () => `${random() < 0.1 ? '.' : ''}${'x'.repeat(Math.floor(random() * 76))}`,
    );
    const body = Buffer.from(`${lines.join('\r\n')}\r\n`);
    expect(body.length).toBeGreaterThan(50_000);
    expect(stuffed(body)).toBe(await nodemailerStuffed(body));
  });
});
