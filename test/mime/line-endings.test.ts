import { describe, expect, it } from 'vitest';
import { hasBareLineEnding, normalizeLineEndings } from '../../src/mime/line-endings.js';

const norm = (s: string): string => normalizeLineEndings(Buffer.from(s, 'latin1')).toString('latin1');

describe('normalizeLineEndings', () => {
  it('returns the very same buffer when every line already ends in CRLF', () => {
    const input = Buffer.from('a\r\nb\r\n\r\nc');
    expect(normalizeLineEndings(input)).toBe(input);
    expect(hasBareLineEnding(input)).toBe(false);
  });

  it.each([
    ['bare LF', 'a\nb\n', 'a\r\nb\r\n'],
    ['bare CR', 'a\rb\r', 'a\r\nb\r\n'],
    ['LF.LF', 'x\n.\ny', 'x\r\n.\r\ny'],
    ['CR.CR', 'x\r.\ry', 'x\r\n.\r\ny'],
    ['CRLF.LF', 'x\r\n.\ny', 'x\r\n.\r\ny'],
    ['LF.CRLF', 'x\n.\r\ny', 'x\r\n.\r\ny'],
    ['LF CR (reversed)', 'x\n\ry', 'x\r\n\r\ny'],
    ['CR CR LF', 'x\r\r\ny', 'x\r\n\r\ny'],
    ['leading LF', '\nx', '\r\nx'],
    ['trailing CR', 'x\r', 'x\r\n'],
    ['only CRs and LFs', '\r\r\n\n', '\r\n\r\n\r\n'],
  ])('%s', (_name, input, expected) => {
    expect(norm(input)).toBe(expected);
    expect(hasBareLineEnding(Buffer.from(input, 'latin1'))).toBe(true);
    expect(hasBareLineEnding(Buffer.from(expected, 'latin1'))).toBe(false);
  });

  it('keeps 8-bit bytes as they are', () => {
    const input = Buffer.from([0xc3, 0xa9, 0x0a, 0xff, 0x0d]);
    expect([...normalizeLineEndings(input)]).toEqual([0xc3, 0xa9, 0x0d, 0x0a, 0xff, 0x0d, 0x0a]);
  });

  it('stays linear on a large bare-LF message (no CR anywhere: no rescans per line)', () => {
    const input = Buffer.from(`${'y'.repeat(75)}\n`.repeat(40_000)); // 3 MB, 40k lines
    const started = performance.now();
    const out = normalizeLineEndings(input);
    const ms = performance.now() - started;
    expect(out.length).toBe(input.length + 40_000);
    expect(hasBareLineEnding(out)).toBe(false);
    expect(ms).toBeLessThan(500);
  });
});
