import { describe, expect, it } from 'vitest';
import type { DocumentFacts, DocumentReading } from '../../../src/documents/facts.js';
import { formatAmount, formatDate } from '../../../src/pipeline/documents/format-values.js';
import { documentVariables } from '../../../src/pipeline/documents/document-variables.js';
import { CONFIDENT, mergedFacts } from '../../../src/pipeline/documents/document-facts.js';
import { documentLanguage } from '../../../src/pipeline/documents/document-language.js';
import { buildVariables } from '../../../src/pipeline/content/variables.js';

const xml = <T>(value: T) => ({ value, source: 'xml' as const, confidence: 1 });
const pdf = <T>(value: T, confidence = 0.9) => ({ value, source: 'pdf-text' as const, confidence });
const reading = (facts: DocumentFacts, format: DocumentReading['format'] = 'ubl-invoice'): DocumentReading => ({
  format,
  facts,
  problems: [],
});

describe('amounts and dates per language', () => {
  const money = { amount: '1234.56', currency: 'EUR' };
  it.each([
    ['nl', '€ 1.234,56', '31 maart 2026'],
    ['fr', '1 234,56 €', '31 mars 2026'],
    ['en', '€1,234.56', '31 March 2026'],
    ['de', '1.234,56 €', '31. März 2026'],
    ['nl-be', '€ 1.234,56', '31 maart 2026'],
  ])('%s: %s, %s (plain spaces, no U+00A0 or U+202F)', (language, amount, date) => {
    expect(formatAmount(money, language)).toBe(amount);
    expect(formatDate('2026-03-31', language)).toBe(date);
  });

  it('refuses what is not an amount, a currency code or a real date', () => {
    expect(formatAmount({ amount: '12,5', currency: 'EUR' }, 'nl')).toBeUndefined();
    expect(formatAmount({ amount: '1e9', currency: 'EUR' }, 'nl')).toBeUndefined();
    expect(formatAmount({ amount: '10', currency: 'euro' }, 'nl')).toBeUndefined();
    expect(formatDate('2026-02-30', 'nl')).toBeUndefined();
    expect(formatDate('31/03/2026', 'nl')).toBeUndefined();
  });
});

describe('facts of several attachments', () => {
  it('XML beats the PDF text; PDF facts below the threshold are not used', () => {
    const merged = mergedFacts([
      reading({ number: pdf('PDF-1', 0.99), dueDate: pdf('2026-04-30', CONFIDENT - 0.01) }, 'pdf-text'),
      reading({ number: xml('XML-1'), buyerName: xml('Klant NV') }),
    ]);
    expect(merged.number?.value).toBe('XML-1');
    expect(merged.buyerName?.value).toBe('Klant NV');
    expect(merged.dueDate).toBeUndefined();
  });

  it('document values win over the To display name and constants, the tenant name is the fallback seller', () => {
    const facts = mergedFacts([
      reading({ buyerName: xml('Klant NV'), payable: xml({ amount: '10', currency: 'EUR' }) }),
    ]);
    const vars = buildVariables(
      { documentType: 'invoice', variables: { 'client-name': 'jan@klant (To name)' }, facts },
      { constants: { amount: 'x' }, companyName: 'Bakkerij Jansen' },
      'nl',
    );
    expect(vars['client-name']).toBe('Klant NV');
    expect(vars.amount).toBe('€ 10,00');
    expect(vars['company-name']).toBe('Bakkerij Jansen');
  });

  it('a value from a hostile file is single-line and short before it can reach a subject', () => {
    const vars = documentVariables({ buyerName: xml(`Evil\r\nBcc: x@y.example${'A'.repeat(500)}`) }, 'nl');
    expect(vars['client-name']).not.toMatch(/[\r\n]/);
    expect([...(vars['client-name'] ?? '')].length).toBeLessThanOrEqual(200);
  });
});

describe('language from the document', () => {
  const inUse = new Set(['nl', 'fr', 'de']);
  it('buyer country where one language is spoken, if the tenant writes in it', () => {
    expect(documentLanguage({ buyerCountry: xml('FR') }, inUse)).toEqual({
      language: 'fr',
      source: 'document-country',
    });
    expect(documentLanguage({ buyerCountry: xml('GB') }, inUse)).toBeUndefined();
  });
  it('Belgium is ambiguous: the document language decides', () => {
    const facts = { buyerCountry: xml('BE'), language: pdf('fr', 0.9) };
    expect(documentLanguage(facts, inUse)).toEqual({ language: 'fr', source: 'document-language' });
    expect(documentLanguage({ buyerCountry: xml('BE') }, inUse)).toBeUndefined();
  });
});
