import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DocumentFacts } from '../../src/documents/facts.js';
import { readXmlDocument } from '../../src/documents/xml/read-xml.js';

/** Our own e-invoices (test/fixtures/einvoice/): CII (XRechnung, Factur-X EN 16931) and UBL from Belgium. */

const fixture = (name: string): Buffer => readFileSync(join(import.meta.dirname, '../fixtures/einvoice', name));

function values(facts: DocumentFacts): Record<string, unknown> {
  return Object.fromEntries(Object.entries(facts).map(([k, f]) => [k, (f as { value: unknown }).value]));
}

describe('readXmlDocument on our own e-invoices', () => {
  it('reads an XRechnung CII invoice: due date from format 102, IBANID, URIID endpoints', () => {
    const r = readXmlDocument(fixture('xrechnung-cii.xml'), 'rechnung.xml');
    expect(r).toMatchObject({ filename: 'rechnung.xml', format: 'cii', validation: [], problems: [] });
    expect(values(r.facts)).toEqual({
      kind: 'invoice',
      typeCode: '380',
      number: 'RE-2026-0815',
      issueDate: '2026-03-31',
      dueDate: '2026-04-30',
      payable: { amount: '380.80', currency: 'EUR' },
      sellerName: 'Müller Haustechnik GmbH',
      buyerName: 'Stadtverwaltung Musterstadt',
      buyerCountry: 'DE',
      paymentReference: 'RE-2026-0815',
      iban: 'DE89370400440532013000',
      buyerEndpoint: '0204:04011000-12345-03',
      sellerEndpoint: 'EM:rechnung@mueller-haustechnik.example',
    });
  });

  it('reads a Factur-X EN 16931 CII invoice: prepaid amount, RF reference, payment terms without a due date', () => {
    const r = readXmlDocument(fixture('facturx-en16931.xml'));
    expect(r).toMatchObject({ format: 'cii', validation: [], problems: [] });
    expect(values(r.facts)).toEqual({
      kind: 'invoice',
      typeCode: '380',
      number: 'FA-2026-00123',
      issueDate: '2026-03-15',
      payable: { amount: '234.38', currency: 'EUR' },
      sellerName: 'Papeterie Lefèvre SARL',
      buyerName: 'Cabinet Martin & Associés',
      buyerCountry: 'BE',
      paymentReference: 'RF18 5390 0754 7034',
      iban: 'FR1420041010050500013M02606',
      buyerEndpoint: '0208:0456789012',
      sellerEndpoint: '0009:12345678900017',
    });
  });

  it('reads a UBL invoice with a Belgian structured reference, decoding &amp; in names', () => {
    const r = readXmlDocument(fixture('ubl-invoice-be-structured.xml'));
    expect(r).toMatchObject({ format: 'ubl-invoice', validation: [], problems: [] });
    expect(values(r.facts)).toMatchObject({
      kind: 'invoice',
      number: 'F2026-0042',
      dueDate: '2026-04-30',
      payable: { amount: '1289.26', currency: 'EUR' },
      sellerName: 'Peeters & Zonen BV',
      buyerName: 'Bakkerij De Smet NV',
      paymentReference: '+++090/2600/04207+++',
      iban: 'BE71096123456769',
      buyerEndpoint: '0208:0987654321',
    });
  });

  it('reads a prefixed UBL credit note: kind from the root, due date from PaymentMeans, IBAN without spaces', () => {
    const r = readXmlDocument(fixture('ubl-credit-note-be.xml'));
    expect(r).toMatchObject({ format: 'ubl-credit-note', validation: [], problems: [] });
    expect(values(r.facts)).toMatchObject({
      kind: 'credit-note',
      typeCode: '381',
      number: 'CN2026-0007',
      dueDate: '2026-05-02',
      payable: { amount: '145.81', currency: 'EUR' },
      buyerName: 'Boulangerie Dubois SRL',
      iban: 'BE71096123456769',
    });
  });

  it('keeps a structured reference that fails its check as written, and says so', () => {
    const xml = fixture('ubl-invoice-be-structured.xml').toString('utf8').replace('04207+++', '04208+++');
    const r = readXmlDocument(Buffer.from(xml));
    expect(r.facts.paymentReference?.value).toBe('+++090/2600/04208+++');
    expect(r.problems).toEqual([
      'payment reference "+++090/2600/04208+++": Belgian structured reference fails its mod-97 check',
    ]);
  });

  it('takes a credit-note type code in a CII invoice as a credit note', () => {
    const xml = fixture('xrechnung-cii.xml').toString('utf8').replace('<ram:TypeCode>380<', '<ram:TypeCode>381<');
    const r = readXmlDocument(Buffer.from(xml));
    expect(r.facts.kind?.value).toBe('credit-note');
    expect(r.facts.typeCode?.value).toBe('381');
  });

  it('judges by the bytes, never the file name', () => {
    expect(readXmlDocument(fixture('xrechnung-cii.xml'), 'scan.pdf').format).toBe('cii');
    const other = readXmlDocument(Buffer.from('<?xml version="1.0"?><Invoice><ID>1</ID></Invoice>'), 'invoice.xml');
    expect(other).toMatchObject({ format: 'xml-other', facts: {}, problems: [] });
    const wrongNs = '<Invoice xmlns="urn:example:not-ubl"><ID>1</ID></Invoice>';
    expect(readXmlDocument(Buffer.from(wrongNs), 'ubl.xml').format).toBe('xml-other');
  });
});
