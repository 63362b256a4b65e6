/**
 * readAttachment on real PDFs made with pdf-lib: invoices in nl, fr, en and de, a credit note, a scan,
 * a Factur-X PDF; the format is judged by the bytes, never by the name.
 */
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DocumentReading } from '../../src/documents/facts.js';
import { MIN_LETTERS } from '../../src/documents/language.js';
import { readAttachment } from '../../src/documents/read-attachment.js';
import {
  creditNotePdf,
  facturXPdf,
  INVOICE_TEXT,
  invoicePdf,
  type Block,
  type Lang,
  PROSE,
  minimalCii,
  scanPdf,
  textPdf,
} from '../helpers/pdf-fixtures.js';

const PROSE_NL = PROSE.nl;

const values = (reading: DocumentReading): Record<string, unknown> =>
  Object.fromEntries(Object.entries(reading.facts).map(([name, fact]) => [name, fact?.value]));

const EXPECTED: Record<Lang, Record<string, unknown>> = {
  nl: { number: 'F2026-0042', paymentReference: '+++090/9337/55493+++', iban: 'BE68539007547034' },
  fr: { number: 'FA-2026/117', paymentReference: '+++090/9337/55493+++', iban: 'BE68539007547034' },
  en: { number: 'INV-2026-0042', paymentReference: 'RF18539007547034', iban: 'BE68539007547034' },
  de: { number: 'R-2026-0042', paymentReference: 'RF18539007547034', iban: 'DE89370400440532013000' },
};

let pdfs: Record<Lang, Buffer>;
beforeAll(async () => {
  const [nl, fr, en, de] = await Promise.all((['nl', 'fr', 'en', 'de'] as const).map(invoicePdf));
  pdfs = { nl, fr, en, de } as Record<Lang, Buffer>;
  // pdfjs loads its parser on the first document; keep that out of the first test's time.
  await readAttachment(nl as Buffer);
});

describe('invoices with a text layer', () => {
  it.each(['nl', 'fr', 'en', 'de'] as const)('reads the facts and the language of the %s invoice', async (lang) => {
    const reading = await readAttachment(pdfs[lang], { filename: `invoice-${lang}.pdf` });
    expect(reading.format).toBe('pdf-text');
    expect(reading.problems).toEqual([]);
    expect(values(reading)).toEqual({
      kind: 'invoice',
      issueDate: '2026-03-31',
      dueDate: '2026-04-30',
      payable: { amount: '1234.56', currency: 'EUR' },
      language: lang,
      ...EXPECTED[lang],
    });
    expect(reading.facts.number?.confidence).toBe(0.9);
  });

  it('finds the total on the last page of a long invoice, reading only its first and last pages', async () => {
    const line = (i: number): readonly string[] => [`Prestatie ${i}: dossierbeheer`, '€ 10,00'];
    const page = (from: number): Block => Array.from({ length: 30 }, (_, i) => line(from + i));
    const middle = Array.from({ length: 10 }, (_, p) => page(p * 30));
    const pdf = await textPdf(['FACTUUR', 'Factuurnummer: LONG-1'], {
      prose: PROSE_NL,
      morePages: [...middle, [['Totaal te betalen', '€ 3.000,00'], 'Vervaldatum: 30-04-2026']],
    });
    const reading = await readAttachment(pdf);
    expect(values(reading)).toMatchObject({ number: 'LONG-1', payable: { amount: '3000.00', currency: 'EUR' } });
    expect(reading.facts.dueDate?.value).toBe('2026-04-30');
    expect(reading.problems).toEqual(['read 6 of 12 pages (the first 4, the last 2)']);
  });

  it('reads a credit note as one', async () => {
    const reading = await readAttachment(await creditNotePdf());
    expect(values(reading)).toMatchObject({
      kind: 'credit-note',
      number: 'CN-2026-007',
      issueDate: '2026-04-15',
      payable: { amount: '250.00', currency: 'EUR' },
    });
    // "Datum" is a weak label: it may be another date than the document's.
    expect(reading.facts.issueDate?.confidence).toBe(0.6);
  });

  it(`judges the language only from ${MIN_LETTERS} letters on`, async () => {
    const reading = await readAttachment(await textPdf(['Factuurnummer: F-9', 'Te betalen: € 10,00', 'Dank u wel']));
    expect(reading.facts.number?.value).toBe('F-9');
    expect(reading.facts.language).toBeUndefined();
  });
});

describe('what the bytes are', () => {
  it('reads a PDF named .xml as a PDF, and XML named .pdf as XML', async () => {
    expect((await readAttachment(pdfs.nl, { filename: 'invoice.xml', contentType: 'text/xml' })).format).toBe(
      'pdf-text',
    );
    const xml = await readAttachment(Buffer.from(minimalCii()), { filename: 'invoice.pdf' });
    expect(xml.format).toBe('cii');
    expect(xml.facts.number?.value).toBe('FX-2026-0099');
    expect(xml.filename).toBe('invoice.pdf');
  });

  it('calls anything else unknown, and an empty file empty', async () => {
    expect((await readAttachment(Buffer.from('GIF89a…'))).format).toBe('unknown');
    expect(await readAttachment(Buffer.alloc(0))).toMatchObject({
      format: 'unknown',
      problems: ['empty attachment (0 bytes)'],
    });
  });

  it('does not open an attachment over the size limit', async () => {
    const reading = await readAttachment(pdfs.nl, { maxBytes: 1000 });
    expect(reading.format).toBe('pdf-unreadable');
    expect(reading.problems[0]).toMatch(/^not read: \d+ bytes is more than the limit of 1000$/);
  });
});

describe('scans', () => {
  it('recognises a PDF of images as a scan and guesses no facts', async () => {
    const reading = await readAttachment(await scanPdf(2));
    expect(reading).toMatchObject({ format: 'pdf-scan', facts: {}, problems: [] });
  });
});

describe('Factur-X', () => {
  it('takes the facts of the embedded XML; the text layer fills only what the XML does not say', async () => {
    const xml = minimalCii();
    const reading = await readAttachment(await facturXPdf(xml));
    expect(reading.format).toBe('factur-x');
    expect(reading.xml?.toString('utf8')).toBe(xml);
    // The visible text says F2026-0042, € 1.234,56 and 30 april: the XML wins.
    expect(reading.facts.number).toEqual({ value: 'FX-2026-0099', source: 'xml', confidence: 1 });
    expect(reading.facts.payable).toMatchObject({ value: { amount: '1500.00', currency: 'EUR' }, source: 'xml' });
    expect(reading.facts.dueDate).toMatchObject({ value: '2026-05-15', source: 'xml' });
    expect(reading.facts.buyerName).toMatchObject({ value: 'Bakkerij Janssens', source: 'xml' });
    // The minimal CII has no IBAN and no payment reference: the text layer gives them.
    expect(reading.facts.iban).toMatchObject({ value: 'BE68539007547034', source: 'pdf-text' });
    expect(reading.facts.paymentReference).toMatchObject({ value: '+++090/9337/55493+++', source: 'pdf-text' });
    expect(reading.validation).toBeDefined();
  });

  it('reads the EN 16931 Factur-X fixture embedded under the ZUGFeRD name', async () => {
    const xml = await readFile(new URL('../fixtures/einvoice/facturx-en16931.xml', import.meta.url));
    const reading = await readAttachment(await facturXPdf(xml, INVOICE_TEXT.fr, 'ZUGFeRD-invoice.xml'));
    expect(reading.format).toBe('factur-x');
    expect(reading.facts.number).toMatchObject({ value: 'FA-2026-00123', source: 'xml' });
    expect(reading.facts.issueDate).toMatchObject({ value: '2026-03-15', source: 'xml' });
    expect(reading.facts.payable).toMatchObject({ value: { amount: '234.38', currency: 'EUR' }, source: 'xml' });
    expect(reading.validation).toEqual([]);
  });

  it('takes any embedded XML the XML reader recognises as an e-invoice, whatever its name', async () => {
    const reading = await readAttachment(await facturXPdf(minimalCii({ number: 'ANY-1' }), undefined, 'data.xml'));
    expect(reading.format).toBe('factur-x');
    expect(reading.facts.number?.value).toBe('ANY-1');
  });

  it('does not take a hostile factur-x.xml for an e-invoice, and says why', async () => {
    const laughs = '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><l>&b;</l>';
    const reading = await readAttachment(await facturXPdf(laughs));
    expect(reading.format).toBe('pdf-text');
    expect(reading.xml).toBeUndefined();
    expect(reading.problems).toHaveLength(1);
    expect(reading.problems[0]).toMatch(/^embedded factur-x\.xml not read: .*DOCTYPE/);
    expect(reading.facts.number).toMatchObject({ value: 'F2026-0042', source: 'pdf-text' });
  });

  it('ignores an embedded XML with another name that is no e-invoice', async () => {
    const reading = await readAttachment(await facturXPdf('<?xml version="1.0"?><note>hi</note>', undefined, 'n.xml'));
    expect(reading.format).toBe('pdf-text');
    expect(reading.xml).toBeUndefined();
    expect(reading.facts.number).toMatchObject({ value: 'F2026-0042', source: 'pdf-text' });
  });
});
