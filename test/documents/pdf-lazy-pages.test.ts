/**
 * A long PDF is read lazily: its first and last pages first, the pages between only when those two
 * do not give every fact with high confidence and the language. Reading fewer pages never changes a
 * fact: the long-invoice test in read-attachment.test.ts is the case where the middle is read.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { DocumentReading } from '../../src/documents/facts.js';
import { readAttachment } from '../../src/documents/read-attachment.js';
import { type Block, embedXml, INVOICE_TEXT, PROSE, textPdf } from '../helpers/pdf-fixtures.js';

const values = (reading: DocumentReading): Record<string, unknown> =>
  Object.fromEntries(Object.entries(reading.facts).map(([name, fact]) => [name, fact?.value]));

const filler = (page: number): Block =>
  Array.from({ length: 30 }, (_, i) => [`Prestatie ${page * 30 + i}: dossierbeheer`, '€ 10,00']);

describe('reading the pages of a long PDF lazily', () => {
  it('stops after the first and the last page when they give every fact, and says so', async () => {
    const single = await readAttachment(await textPdf(INVOICE_TEXT.nl, { prose: PROSE.nl }));
    const pages = Array.from({ length: 11 }, (_, p) => filler(p));
    const long = await readAttachment(await textPdf(INVOICE_TEXT.nl, { prose: PROSE.nl, morePages: pages }));
    expect(long.format).toBe('pdf-text');
    expect(values(long)).toEqual(values(single));
    expect(long.facts.number?.confidence).toBe(0.9);
    expect(long.problems).toEqual(['read 2 of 12 pages (the first and the last said enough)']);
  });

  it('has no problem to report for a short PDF read from its first and last page', async () => {
    const reading = await readAttachment(
      await textPdf(INVOICE_TEXT.nl, { prose: PROSE.nl, morePages: [filler(1), filler(2)] }),
    );
    expect(reading.facts.payable?.value).toEqual({ amount: '1234.56', currency: 'EUR' });
    expect(reading.problems).toEqual([]);
  });

  it('reads the pages between when the first and last leave a fact out (no IBAN here)', async () => {
    const header = INVOICE_TEXT.nl.filter((line) => !JSON.stringify(line).includes('BE68'));
    const pages = [filler(1), filler(2), [['IBAN', 'BE68 5390 0754 7034']] as Block, filler(3), filler(4)];
    const reading = await readAttachment(await textPdf(header, { prose: PROSE.nl, morePages: pages }));
    expect(reading.facts.iban?.value).toBe('BE68539007547034');
    expect(reading.problems).toEqual([]);
  });

  it('reads only the first page of a Factur-X whose XML gives every fact: the text adds the language', async () => {
    const xml = await readFile(new URL('../fixtures/einvoice/xrechnung-cii.xml', import.meta.url));
    const pages = Array.from({ length: 11 }, (_, p) => filler(p));
    const pdf = await embedXml(
      await textPdf(INVOICE_TEXT.nl, { prose: PROSE.nl, morePages: pages }),
      xml,
      'xrechnung.xml',
    );
    const reading = await readAttachment(pdf);
    expect(reading.format).toBe('factur-x');
    expect(reading.problems).toEqual(['read 1 of 12 pages (the first said enough)']);
    expect(reading.facts.language?.value).toBe('nl');
    const sources = Object.entries(reading.facts).filter(([name]) => name !== 'language');
    expect(sources.map(([, fact]) => fact?.source)).toEqual(sources.map(() => 'xml'));
  });
});
