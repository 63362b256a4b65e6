/** The text-layer rules without a PDF: dates, amounts, check digits, labels and their confidence. */
import { describe, expect, it } from 'vitest';
import { findAmount, normaliseNumber } from '../../src/documents/pdf/parse-amount.js';
import { findDate } from '../../src/documents/pdf/parse-date.js';
import { normaliseCreditorReference, normaliseIban, normaliseStructured } from '../../src/documents/pdf/references.js';
import { pagesToRead } from '../../src/documents/pdf/text-layer.js';
import { textFacts } from '../../src/documents/pdf/text-facts.js';

describe('dates in local formats', () => {
  it.each([
    ['31-03-2026', '2026-03-31'],
    ['31/03/2026', '2026-03-31'],
    ['31.03.2026', '2026-03-31'],
    ['2026-03-31', '2026-03-31'],
    ['31 maart 2026', '2026-03-31'],
    ['31 mars 2026', '2026-03-31'],
    ['1er avril 2026', '2026-04-01'],
    ['31. März 2026', '2026-03-31'],
    ['March 31, 2026', '2026-03-31'],
    ['31 March 2026', '2026-03-31'],
    ['3 févr. 2026', '2026-02-03'],
    ['03/31/2026', '2026-03-31'],
  ])('%s → %s', (text, iso) => {
    expect(findDate(text)?.iso).toBe(iso);
  });

  it('refuses dates that do not exist', () => {
    expect(findDate('31-02-2026')).toBeUndefined();
    expect(findDate('31 brumaire 2026')).toBeUndefined();
  });
});

describe('amounts in local formats', () => {
  it.each([
    ['€ 1.234,56', '1234.56', 'EUR'],
    ['1 234,56 €', '1234.56', 'EUR'],
    ['1\u202f234,56 €', '1234.56', 'EUR'],
    ['€1,234.56', '1234.56', 'EUR'],
    ['EUR 1234.56', '1234.56', 'EUR'],
    ['1.234,56 EUR', '1234.56', 'EUR'],
    ['CHF 99.90', '99.90', 'CHF'],
    ['12,5', '12.5', 'EUR'],
  ])('%s → %s %s', (text, amount, currency) => {
    expect(findAmount(text)?.money).toEqual({ amount, currency });
  });

  it('says when the currency was assumed', () => {
    expect(findAmount('1.234,56')?.currencyGiven).toBe(false);
    expect(findAmount('€ 1.234,56')?.currencyGiven).toBe(true);
  });

  it('reads a lone separator before three digits as thousands', () => {
    expect(normaliseNumber('1,234')).toBe('1234');
    expect(normaliseNumber('1.234.567,8')).toBe('1234567.8');
  });
});

describe('check digits', () => {
  it('accepts a valid IBAN, with or without spaces, and refuses a wrong one', () => {
    expect(normaliseIban('BE68 5390 0754 7034')).toBe('BE68539007547034');
    expect(normaliseIban('de89370400440532013000')).toBe('DE89370400440532013000');
    expect(normaliseIban('BE69 5390 0754 7034')).toBeUndefined();
  });

  it('checks the Belgian structured communication mod 97 (97 when the rest is 0)', () => {
    expect(normaliseStructured('+++090/9337/55493+++')).toBe('+++090/9337/55493+++');
    expect(normaliseStructured('***090/9337/55493***')).toBe('+++090/9337/55493+++');
    expect(normaliseStructured('+++000/0000/09797+++')).toBe('+++000/0000/09797+++');
    expect(normaliseStructured('+++090/9337/55494+++')).toBeUndefined();
  });

  it('checks the ISO 11649 creditor reference', () => {
    expect(normaliseCreditorReference('RF18 5390 0754 7034')).toBe('RF18539007547034');
    expect(normaliseCreditorReference('RF19 5390 0754 7034')).toBeUndefined();
  });
});

describe('facts from labelled lines', () => {
  it('reads a label with its value on the same line at 0.9', () => {
    const facts = textFacts(['Factuurnummer: F-1', 'Vervaldatum: 30-04-2026', 'Te betalen: € 12,00']);
    expect(facts.number).toEqual({ value: 'F-1', source: 'pdf-text', confidence: 0.9 });
    expect(facts.dueDate).toEqual({ value: '2026-04-30', source: 'pdf-text', confidence: 0.9 });
    expect(facts.payable).toEqual({ value: { amount: '12.00', currency: 'EUR' }, source: 'pdf-text', confidence: 0.9 });
  });

  it('reads a header row of labels above a row of values, by column', () => {
    const facts = textFacts(['Invoice no.  Invoice date  Due date', 'INV-7  01/03/2026  31/03/2026']);
    expect(facts.number?.value).toBe('INV-7');
    expect(facts.issueDate).toMatchObject({ value: '2026-03-01', confidence: 0.8 });
    expect(facts.dueDate).toMatchObject({ value: '2026-03-31', confidence: 0.8 });
  });

  it('reads a value on the line below a lone label at 0.7', () => {
    expect(textFacts(['Rechnungsnummer', 'R-55']).number).toMatchObject({ value: 'R-55', confidence: 0.7 });
  });

  it('prefers "Total TTC" to a bare "Total", which is weak', () => {
    const lines = ['Total HT  1 000,00 €', 'Total TVA  210,00 €', 'Total TTC  1 210,00 €'];
    expect(textFacts(lines).payable).toMatchObject({ value: { amount: '1210.00' }, confidence: 0.9 });
    expect(textFacts(['Total  99,00 €']).payable).toMatchObject({ value: { amount: '99.00' }, confidence: 0.6 });
  });

  it('lowers the confidence when the same label gives two different values', () => {
    const facts = textFacts(['Factuurnummer: F-1', 'Factuurnummer: F-2']);
    expect(facts.number).toMatchObject({ value: 'F-1', confidence: 0.5 });
  });

  it('lowers the confidence of an amount without a currency', () => {
    expect(textFacts(['Amount due: 1,234.56']).payable).toMatchObject({
      value: { amount: '1234.56' },
      confidence: 0.8,
    });
  });

  it('does not take "Date" for the issue date when the line says "Date d\'échéance"', () => {
    const facts = textFacts(["Date d'échéance : 15/05/2026"]);
    expect(facts.dueDate?.value).toBe('2026-05-15');
    expect(facts.issueDate).toBeUndefined();
  });

  it('trusts an unlabelled structured reference or IBAN for its check digits, not a wrong one', () => {
    const facts = textFacts(['Gelieve te storten op BE68 5390 0754 7034 met +++090/9337/55493+++']);
    expect(facts.iban).toMatchObject({ value: 'BE68539007547034', confidence: 0.85 });
    expect(facts.paymentReference).toMatchObject({ value: '+++090/9337/55493+++', confidence: 0.9 });
    const wrong = textFacts(['Gelieve te storten op BE69 5390 0754 7034 met +++090/9337/55494+++']);
    expect(wrong.iban).toBeUndefined();
    expect(wrong.paymentReference).toBeUndefined();
  });

  it('keeps a free-text reference after its label at a lower confidence', () => {
    expect(textFacts(['Mededeling: klant 4711']).paymentReference).toMatchObject({
      value: 'klant 4711',
      confidence: 0.6,
    });
  });

  it('tells a credit note from an invoice by its words', () => {
    expect(textFacts(['Note de crédit', 'Facture d’origine 12']).kind?.value).toBe('credit-note');
    expect(textFacts(['Rechnung']).kind?.value).toBe('invoice');
    expect(textFacts(['Offerte']).kind).toBeUndefined();
  });
});

describe('pages read', () => {
  const limits = { firstPages: 4, lastPages: 2, maxChars: 1000 };

  it('reads every page of a short PDF once, and the first and last pages of a long one', () => {
    expect(pagesToRead(0, limits)).toEqual([]);
    expect(pagesToRead(5, limits)).toEqual([1, 2, 3, 4, 5]);
    expect(pagesToRead(6, limits)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(pagesToRead(9, limits)).toEqual([1, 2, 3, 4, 8, 9]);
  });

  it('does not walk a page count a hostile file claims', () => {
    expect(pagesToRead(1e9, limits)).toEqual([1, 2, 3, 4, 1e9 - 1, 1e9]);
  });
});
