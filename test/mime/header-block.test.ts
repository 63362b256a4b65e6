import { describe, expect, it } from 'vitest';
import { findHeaderEnd, headerBlockEnd, locateHeaderBlock, toCrlf } from '../../src/mime/index.js';

const b = (text: string): Buffer => Buffer.from(text, 'latin1');
const block = (text: string, max?: number): string => text.slice(0, headerBlockEnd(b(text), max));

describe('header block end', () => {
  it('stops at the first blank line (CRLF or bare LF)', () => {
    expect(block('A: 1\r\nB: 2\r\n\r\nbody\r\n\r\nmore')).toBe('A: 1\r\nB: 2\r\n');
    expect(block('A: 1\nB: 2\n\nbody')).toBe('A: 1\nB: 2\n');
    expect(block('A: 1\r\nB: 2\n\r\nbody')).toBe('A: 1\r\nB: 2\n');
  });
  it('takes a headers-only message whole and caps huge blocks at a line end', () => {
    expect(block('A: 1\r\n')).toBe('A: 1\r\n');
    expect(block('A: 1')).toBe('A: 1');
    const huge = `${'X-Long: aaaaaaaaaa\r\n'.repeat(10_000)}\r\nbody`;
    const cut = block(huge, 100 * 1024);
    expect(cut.length).toBeLessThanOrEqual(100 * 1024);
    expect(cut.endsWith('\r\n')).toBe(true);
  });
  it('keeps a bare CR inside a line and folded lines inside the block', () => {
    expect(block('A: 1\rB: 2\r\n\tmore\r\n\r\nbody')).toBe('A: 1\rB: 2\r\n\tmore\r\n');
  });
  it('gives the body start past the blank line, and says when the block does not end in time', () => {
    expect(findHeaderEnd(b('A: 1\r\n\r\nbody'))).toEqual({ end: 6, bodyStart: 8 });
    expect(findHeaderEnd(b('A: 1\n\nbody'))).toEqual({ end: 5, bodyStart: 6 });
    expect(findHeaderEnd(b('A: 1\r\n'))).toEqual({ end: 6, bodyStart: 6 });
    expect(findHeaderEnd(b('\r\nbody'))).toEqual({ end: 0, bodyStart: 2 });
    expect(findHeaderEnd(b(''))).toEqual({ end: 0, bodyStart: 0 });
    expect(findHeaderEnd(b('A: 1\r\nB: 2\r\n\r\n'), 8)).toBeUndefined();
    expect(findHeaderEnd(b('A: 1\r\nB: 2\r\n\r\n'), 12)).toEqual({ end: 12, bodyStart: 14 });
  });
});

describe('locateHeaderBlock (CRLF-normalised accept path)', () => {
  it('finds headers, a leading blank line, plain text and headers-only messages', () => {
    expect(locateHeaderBlock(b('A: 1\r\n\r\nbody'), 1000)).toEqual({ end: 6, hasSeparator: true });
    expect(locateHeaderBlock(b('\r\nbody'), 1000)).toEqual({ end: 0, hasSeparator: true });
    expect(locateHeaderBlock(b('just text\r\n'), 1000)).toEqual({ end: 0, hasSeparator: false });
    expect(locateHeaderBlock(b(''), 1000)).toEqual({ end: 0, hasSeparator: false });
    expect(locateHeaderBlock(b('A: 1\r\nB: 2'), 1000)).toEqual({ end: 10, hasSeparator: false });
  });
  it('refuses (undefined) a block that does not end within the limit', () => {
    expect(locateHeaderBlock(b(`A: ${'x'.repeat(100)}\r\n\r\nbody`), 50)).toBeUndefined();
    expect(locateHeaderBlock(b('A: 1\r\n\r\n'), 6)).toEqual({ end: 6, hasSeparator: true });
  });
});

describe('toCrlf', () => {
  it('normalises line endings to CRLF and ends with one', () => {
    expect(toCrlf(Buffer.from('a\nb\r\nc\rd')).toString()).toBe('a\r\nb\r\nc\r\nd\r\n');
    expect(toCrlf(Buffer.from('a\r\n')).toString()).toBe('a\r\n');
    expect(toCrlf(Buffer.alloc(0)).length).toBe(0);
  });
});
