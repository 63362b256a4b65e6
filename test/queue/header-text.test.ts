import { describe, expect, it } from 'vitest';
import { headerText, MAX_HEADER_TEXT_BYTES } from '../../src/queue/header-text.js';

describe('headerText', () => {
  it('returns the header block up to the first blank line (CRLF)', () => {
    const raw = Buffer.from('Subject: Factuur 12\r\nFrom: a@x.test\r\n\r\nBody\r\n\r\nmore\r\n');
    expect(headerText(raw)).toBe('Subject: Factuur 12\r\nFrom: a@x.test\r\n');
  });

  it('handles bare LF and a message without body', () => {
    expect(headerText(Buffer.from('Subject: x\nTo: b@y.test\n\nbody\n'))).toBe('Subject: x\nTo: b@y.test\n');
    expect(headerText(Buffer.from('Subject: only headers\r\n'))).toBe('Subject: only headers\r\n');
  });

  it('decodes UTF-8 headers as UTF-8 and anything else as latin1', () => {
    expect(headerText(Buffer.from('Subject: Überweisung €\r\n\r\nx', 'utf8'))).toBe('Subject: Überweisung €\r\n');
    const latin1 = Buffer.from('Subject: caf\xe9\r\n\r\nx', 'latin1');
    expect(headerText(latin1)).toBe('Subject: café\r\n');
  });

  it('cuts an endless header block at a line end below the limit', () => {
    const line = `X-Filler: ${'a'.repeat(990)}\r\n`;
    const raw = Buffer.from(line.repeat(Math.ceil((MAX_HEADER_TEXT_BYTES * 2) / line.length)));
    const text = headerText(raw);
    expect(text.length).toBeLessThanOrEqual(MAX_HEADER_TEXT_BYTES);
    expect(text.length).toBeGreaterThan(MAX_HEADER_TEXT_BYTES - line.length);
    expect(text.endsWith('\r\n')).toBe(true);
  });
});

describe('headerText reads only the header bytes', () => {
  it('stops at a blank line right after the headers, whatever follows', () => {
    const raw = Buffer.concat([Buffer.from('Subject: a\r\nTo: b@c.test\r\n\r\n'), Buffer.alloc(1024 * 1024, 'x')]);
    expect(headerText(raw)).toBe('Subject: a\r\nTo: b@c.test\r\n');
    expect(headerText(Buffer.from('\r\nbody only\r\n'))).toBe('');
  });

  it('cuts a single line longer than the limit at the limit', () => {
    const raw = Buffer.alloc(MAX_HEADER_TEXT_BYTES * 2, 'a');
    expect(headerText(raw)).toHaveLength(MAX_HEADER_TEXT_BYTES);
  });
});
