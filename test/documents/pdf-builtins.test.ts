import { describe, expect, it } from 'vitest';
import { readAttachment } from '../../src/documents/read-attachment.js';
import { INVOICE_TEXT, textPdf } from '../helpers/pdf-fixtures.js';

const isNative = (fn: unknown): boolean =>
  typeof fn === 'function' && Function.prototype.toString.call(fn).includes('[native code]');

describe('the PDF reader and the thread it runs in', () => {
  it('leaves Array.prototype.push and JSON.parse native after reading PDFs (pdfjs replaces them)', async () => {
    expect(isNative(Array.prototype.push)).toBe(true);
    const pdf = await textPdf(INVOICE_TEXT.nl);
    const [first, second] = [await readAttachment(pdf), await readAttachment(pdf)];
    expect(first.format).toBe('pdf-text');
    expect(second).toEqual(first);
    expect(isNative(Array.prototype.push)).toBe(true);
    expect(isNative(JSON.parse)).toBe(true);
  });
});
