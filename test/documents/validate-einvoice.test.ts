import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateEInvoice } from '../../src/documents/validate/validate-einvoice.js';
import { readXmlDocument } from '../../src/documents/xml/read-xml.js';

/**
 * Each covered rule fails when the document breaks it, and only the rules it breaks: the valid
 * fixtures are edited one fact at a time. Messages are in plain words with the numbers involved.
 */

const text = (name: string): string =>
  readFileSync(join(import.meta.dirname, '../fixtures/einvoice', name)).toString('utf8');
const UBL = text('ubl-invoice-be-structured.xml');
const CII = text('xrechnung-cii.xml');
const FX = text('facturx-en16931.xml');

function edit(xml: string, from: string | RegExp, to: string): Buffer {
  const changed = xml.replace(from, to);
  expect(changed).not.toBe(xml);
  return Buffer.from(changed);
}

const rules = (xml: Buffer): string[] => validateEInvoice(xml).map((f) => f.rule);

describe('validateEInvoice', () => {
  it('passes the valid fixtures, given bytes or through readXmlDocument', () => {
    for (const xml of [UBL, CII, FX]) expect(validateEInvoice(Buffer.from(xml))).toEqual([]);
    expect(readXmlDocument(Buffer.from(UBL)).validation).toEqual([]);
  });

  it('names the required elements that are missing (BR-01 … BR-16)', () => {
    expect(rules(edit(UBL, /<cbc:CustomizationID>.*<\/cbc:CustomizationID>/, ''))).toEqual(['BR-01']);
    expect(rules(edit(UBL, '<cbc:ID>F2026-0042</cbc:ID>', ''))).toEqual(['BR-02']);
    expect(rules(edit(UBL, '<cbc:IssueDate>2026-03-31</cbc:IssueDate>', ''))).toEqual(['BR-03']);
    expect(rules(edit(CII, '<ram:Name>Müller Haustechnik GmbH</ram:Name>', ''))).toEqual(['BR-06']);
    const buyerCountry = CII.lastIndexOf('<ram:CountryID>DE</ram:CountryID>');
    const noBuyerCountry =
      CII.slice(0, buyerCountry) + CII.slice(buyerCountry + '<ram:CountryID>DE</ram:CountryID>'.length);
    expect(rules(Buffer.from(noBuyerCountry))).toEqual(['BR-11']);
    const noLines = edit(UBL, /<cac:InvoiceLine>[\s\S]*<\/cac:InvoiceLine>/, '');
    expect(rules(noLines)).toEqual(['BR-16', 'BR-CO-10']);
  });

  it('wants a due date or payment terms when an amount is due (BR-CO-25)', () => {
    const withoutDue = edit(UBL, '<cbc:DueDate>2026-04-30</cbc:DueDate>', '');
    expect(rules(withoutDue)).toEqual([]);
    const failures = validateEInvoice(edit(withoutDue.toString(), /<cac:PaymentTerms>.*<\/cac:PaymentTerms>/, ''));
    expect(failures).toEqual([
      {
        rule: 'BR-CO-25',
        message: 'An amount is due, but neither a due date (BT-9) nor payment terms (BT-20) are given.',
      },
    ]);
  });

  it('checks codes against their lists (BR-CL-01, -04, -14, -16, -17, -18)', () => {
    expect(validateEInvoice(edit(UBL, '<cbc:InvoiceTypeCode>380', '<cbc:InvoiceTypeCode>381'))).toEqual([
      { rule: 'BR-CL-01', message: 'The type code "381" is not an invoice code of UNTDID 1001.' },
    ]);
    expect(rules(edit(CII, '<ram:InvoiceCurrencyCode>EUR', '<ram:InvoiceCurrencyCode>EUX'))).toContain('BR-CL-04');
    expect(
      rules(
        edit(
          UBL,
          '<cbc:IdentificationCode>BE</cbc:IdentificationCode>',
          '<cbc:IdentificationCode>XX</cbc:IdentificationCode>',
        ),
      ),
    ).toEqual(['BR-CL-14']);
    expect(rules(edit(CII, '<ram:TypeCode>58</ram:TypeCode>', '<ram:TypeCode>71</ram:TypeCode>'))).toEqual([
      'BR-CL-16',
    ]);
    expect(
      rules(
        edit(
          FX,
          '<ram:CategoryCode>S</ram:CategoryCode>\n        <ram:RateApplicablePercent>5.50',
          '<ram:CategoryCode>Q</ram:CategoryCode><ram:RateApplicablePercent>5.50',
        ),
      ),
    ).toEqual(['BR-CL-17']);
    const lineCategory = /<cac:ClassifiedTaxCategory>\s*<cbc:ID>S/;
    expect(rules(edit(UBL, lineCategory, '<cac:ClassifiedTaxCategory><cbc:ID>Q'))).toEqual(['BR-CL-18']);
  });

  it('adds up the lines, allowances, charges and totals (BR-CO-10 … BR-CO-16)', () => {
    expect(validateEInvoice(edit(UBL, '>900.00<', '>901.00<'))).toEqual([
      { rule: 'BR-CO-10', message: 'The lines add up to 1066.50, but the sum of line net amounts says 1065.50.' },
    ]);
    expect(rules(edit(CII, '<ram:AllowanceTotalAmount>10.00', '<ram:AllowanceTotalAmount>12.00'))).toEqual([
      'BR-CO-11',
      'BR-CO-13',
    ]);
    expect(rules(edit(FX, '<ram:ChargeTotalAmount>15.00</ram:ChargeTotalAmount>', ''))).toEqual([
      'BR-CO-12',
      'BR-CO-13',
    ]);
    expect(rules(edit(CII, '<ram:TaxBasisTotalAmount>320.00', '<ram:TaxBasisTotalAmount>330.00'))).toEqual([
      'BR-CO-13',
      'BR-CO-15',
    ]);
    expect(
      rules(edit(UBL, '<cbc:TaxAmount currencyID="EUR">223.76', '<cbc:TaxAmount currencyID="EUR">223.66')),
    ).toEqual(['BR-CO-14', 'BR-CO-15']);
    expect(validateEInvoice(edit(FX, '<ram:DuePayableAmount>234.38', '<ram:DuePayableAmount>284.38'))).toEqual([
      {
        rule: 'BR-CO-16',
        message: 'The amount due should be 234.38 (total with VAT - paid + rounding), but it says 284.38.',
      },
    ]);
  });

  it('checks each VAT category amount against its rate, to within one currency unit (BR-CO-17)', () => {
    const within = edit(
      FX,
      /<ram:CalculatedAmount>1.38<\/ram:CalculatedAmount>/,
      '<ram:CalculatedAmount>2.00</ram:CalculatedAmount>',
    );
    expect(rules(within)).toEqual(['BR-CO-14']);
    const beyond = edit(
      FX,
      /<ram:CalculatedAmount>43.00<\/ram:CalculatedAmount>/,
      '<ram:CalculatedAmount>45.00</ram:CalculatedAmount>',
    );
    expect(validateEInvoice(beyond)).toContainEqual({
      rule: 'BR-CO-17',
      message: 'The VAT for category S at 20.00% should be about 43.00, but it says 45.00.',
    });
  });

  it('checks dates and amounts as written (POSTBODE-DATE, POSTBODE-AMOUNT, BR-DEC)', () => {
    expect(validateEInvoice(edit(UBL, '<cbc:IssueDate>2026-03-31', '<cbc:IssueDate>2026-02-30'))).toEqual([
      { rule: 'POSTBODE-DATE-01', message: 'The issue date "2026-02-30" is not a valid date (expected YYYY-MM-DD).' },
    ]);
    expect(validateEInvoice(edit(CII, '>20260430<', '>2026-04-30<'))).toEqual([
      {
        rule: 'POSTBODE-DATE-02',
        message: 'The due date "2026-04-30" is not a valid date (expected CCYYMMDD with format 102).',
      },
    ]);
    expect(
      rules(edit(UBL, /<cbc:PayableAmount currencyID="EUR">1289.26/, '<cbc:PayableAmount currencyID="EUR">1289.261')),
    ).toEqual(['BR-DEC-18', 'BR-CO-16']);
    expect(
      rules(edit(UBL, /<cbc:PayableAmount currencyID="EUR">1289.26/, '<cbc:PayableAmount currencyID="EUR">12,89')),
    ).toEqual(['POSTBODE-AMOUNT']);
  });

  it('says once that a Factur-X BASIC WL invoice has no lines, and still checks its totals', () => {
    const basicWl = FX.replace('urn:cen.eu:en16931:2017<', 'urn:factur-x.eu:1p0:basicwl<').replace(
      /<ram:IncludedSupplyChainTradeLineItem>[\s\S]*<\/ram:IncludedSupplyChainTradeLineItem>/,
      '',
    );
    expect(validateEInvoice(Buffer.from(basicWl))).toEqual([
      {
        rule: 'POSTBODE-PROFILE',
        message: 'This is a Factur-X BASIC WL invoice: it has no lines, so it is not a full EN 16931 e-invoice.',
      },
    ]);
    const wrongTotal = basicWl.replace('<ram:DuePayableAmount>234.38', '<ram:DuePayableAmount>234.39');
    expect(rules(Buffer.from(wrongTotal))).toEqual(['POSTBODE-PROFILE', 'BR-CO-16']);
  });

  it('says when the bytes are not an e-invoice at all', () => {
    expect(validateEInvoice(Buffer.from('<!DOCTYPE x><x/>'))).toEqual([
      { rule: 'POSTBODE-XML', message: 'The file cannot be read as an e-invoice: DOCTYPE refused.' },
    ]);
    expect(rules(Buffer.from('<x/>'))).toEqual(['POSTBODE-XML']);
  });
});
