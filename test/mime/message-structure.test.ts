import { describe, expect, it } from 'vitest';
import { locateHeaderBlock, parseHeaderFields } from '../../src/mime/index.js';
import { checkStructure, multipartBoundary } from '../../src/mime/message-structure.js';

const check = (s: string) => checkStructure(Buffer.from(s, 'latin1'));
const why = (s: string): string | undefined => {
  const r = check(s);
  return r.ok ? undefined : r.why;
};

function nested(depth: number): string {
  let body = 'Content-Type: text/plain\r\n\r\nleaf\r\n';
  for (let i = depth; i >= 1; i--)
    body =
      `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n` +
      `preamble\r\n--b${i}\r\n${body}--b${i}--\r\nepilogue\r\n`;
  return `Subject: n\r\n${body}`;
}

function parts(n: number, boundary = 'sep'): string {
  const body = Array.from({ length: n }, (_, i) => `--${boundary}\r\n\r\npart ${i}\r\n`).join('');
  return `Content-Type: multipart/mixed; boundary="${boundary}"\r\n\r\n${body}--${boundary}--\r\n`;
}

describe('header block', () => {
  it('finds the end of the headers and whether a blank line follows', () => {
    expect(locateHeaderBlock(Buffer.from('A: 1\r\nB: 2\r\n\r\nbody'), 1000)).toEqual({ end: 12, hasSeparator: true });
    expect(locateHeaderBlock(Buffer.from('A: 1\r\n'), 1000)).toEqual({ end: 6, hasSeparator: false });
    expect(locateHeaderBlock(Buffer.from('\r\nbody'), 1000)).toEqual({ end: 0, hasSeparator: true });
    expect(locateHeaderBlock(Buffer.from('Hello there\r\n\r\nx'), 1000)).toEqual({ end: 0, hasSeparator: false });
    expect(locateHeaderBlock(Buffer.alloc(0), 1000)).toEqual({ end: 0, hasSeparator: false });
  });

  it('gives up when the block does not end within the limit', () => {
    const long = Buffer.from(`X: ${'a'.repeat(100)}\r\n\r\nbody`);
    expect(locateHeaderBlock(long, 50)).toBeUndefined();
    expect(locateHeaderBlock(long, long.indexOf('\r\n\r\n') + 2)).toBeDefined();
  });

  it('unfolds fields and lower-cases names', () => {
    expect(parseHeaderFields('Subject: a\r\n b\r\nX-Y :z\r\n')).toEqual([
      { name: 'subject', value: 'a b' },
      { name: 'x-y', value: 'z' },
    ]);
  });
});

describe('checkStructure', () => {
  it('accepts ordinary, headers-only and header-less messages', () => {
    expect(check('From: a@b.example\r\nSubject: x\r\n\r\nbody\r\n').ok).toBe(true);
    expect(check('Subject: only headers\r\n').ok).toBe(true);
    expect(check('just text, no headers\r\n\r\nmore').ok).toBe(true);
  });

  it('refuses a header block over 256 KiB', () => {
    expect(why(`Subject: x\r\nX-Big: ${'a'.repeat(256 * 1024)}\r\n\r\nbody`)).toBe('header too long');
    expect(why(`Subject: x\r\nX-Big: ${'a'.repeat(256 * 1024)}`)).toBe('header too long');
    expect(check(`Subject: x\r\nX-Big: ${'a'.repeat(200 * 1024)}\r\n\r\nbody`).ok).toBe(true);
  });

  it('refuses a header line that is neither a field nor a continuation', () => {
    expect(why('Subject: x\r\nnot a header\r\n\r\nbody')).toBe('bad header line 2');
    expect(why('Subject: x\r\n: no name\r\n\r\nbody')).toBe('bad header line 2');
    expect(check('Subject: x\r\n\tcontinued\r\n\r\nbody').ok).toBe(true);
  });

  it('allows 32 levels of multipart nesting and refuses 33', () => {
    expect(check(nested(32)).ok).toBe(true);
    expect(why(nested(33))).toBe('MIME nesting deeper than 32 levels');
    expect(why(nested(40))).toBe('MIME nesting deeper than 32 levels');
  });

  it('allows 1000 parts and refuses 1001, counting parts at every level', () => {
    expect(check(parts(1000)).ok).toBe(true);
    expect(why(parts(1001))).toBe('more than 1000 MIME parts');
    const inner = parts(600, 'inner').replace(/^Content-Type: [^\r]*\r\n\r\n/, '');
    const two =
      'Content-Type: multipart/mixed; boundary=outer\r\n\r\n--outer\r\n' +
      `Content-Type: multipart/mixed; boundary=inner\r\n\r\n${inner}` +
      `--outer\r\nContent-Type: multipart/mixed; boundary=inner\r\n\r\n${inner}--outer--\r\n`;
    expect(why(two)).toBe('more than 1000 MIME parts');
  });

  it('only counts lines that are exactly a delimiter (plus padding)', () => {
    const body =
      'Content-Type: multipart/mixed; boundary=ab\r\n\r\n--ab\r\n\r\n--abc\r\n--ab \t\r\n\r\nx\r\n--ab--\r\n';
    const many = `Content-Type: multipart/mixed; boundary=ab\r\n\r\n${'--abc\r\n'.repeat(1500)}--ab--\r\n`;
    expect(check(body).ok).toBe(true);
    expect(check(many).ok).toBe(true);
  });

  it('treats a multipart without a boundary or without a closing delimiter leniently', () => {
    expect(check('Content-Type: multipart/mixed\r\n\r\n--x\r\n').ok).toBe(true);
    expect(check('Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\nunterminated').ok).toBe(true);
  });

  it('reads a boundary quoted or bare, with any case of parameter name', () => {
    expect(multipartBoundary('multipart/mixed; boundary="a b=c"')).toBe('a b=c');
    expect(multipartBoundary('Multipart/Alternative;\tBOUNDARY=xyz; charset=x')).toBe('xyz');
    expect(multipartBoundary('text/plain; boundary=x')).toBeUndefined();
  });
});
