import { describe, expect, it } from 'vitest';
import { headerBlockOf, toCrlf } from '../../../src/delivery/header-block.js';

describe('header block', () => {
  it('stops at the first blank line (CRLF or bare LF)', () => {
    expect(headerBlockOf(Buffer.from('A: 1\r\nB: 2\r\n\r\nbody\r\n\r\nmore')).toString()).toBe('A: 1\r\nB: 2\r\n');
    expect(headerBlockOf(Buffer.from('A: 1\nB: 2\n\nbody')).toString()).toBe('A: 1\nB: 2\n');
  });
  it('takes a headers-only message whole and caps huge blocks at a line end', () => {
    expect(headerBlockOf(Buffer.from('A: 1\r\n')).toString()).toBe('A: 1\r\n');
    const huge = Buffer.from(`${'X-Long: aaaaaaaaaa\r\n'.repeat(10_000)}\r\nbody`);
    const block = headerBlockOf(huge);
    expect(block.length).toBeLessThanOrEqual(100 * 1024);
    expect(block.toString().endsWith('\r\n')).toBe(true);
  });
  it('normalises line endings to CRLF and ends with one', () => {
    expect(toCrlf(Buffer.from('a\nb\r\nc\rd')).toString()).toBe('a\r\nb\r\nc\r\nd\r\n');
    expect(toCrlf(Buffer.alloc(0)).length).toBe(0);
  });
});
