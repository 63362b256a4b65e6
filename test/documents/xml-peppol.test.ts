import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DocumentFacts } from '../../src/documents/facts.js';
import { readXmlDocument } from '../../src/documents/xml/read-xml.js';

/**
 * The public examples of OpenPEPPOL/peppol-bis-invoice-3 (rules/examples/, copied with their
 * notice to test/fixtures/peppol/): each is recognised by its root, its facts match the values
 * read here independently with plain patterns over the file, and it passes every covered rule.
 */

const DIR = join(import.meta.dirname, '../fixtures/peppol');
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.xml'));

function grab(xml: string, pattern: RegExp): string | undefined {
  return pattern.exec(xml)?.[1]?.trim();
}

function partyBlock(xml: string, role: string): string {
  return grab(xml, new RegExp(`<cac:${role}>([\\s\\S]*?)</cac:${role}>`)) ?? '';
}

function expected(xml: string) {
  const seller = partyBlock(xml, 'AccountingSupplierParty');
  const buyer = partyBlock(xml, 'AccountingCustomerParty');
  const endpoint = (party: string) => /<cbc:EndpointID schemeID="(\w+)">([^<]+)</.exec(party)?.slice(1).join(':');
  const payable = /<cbc:PayableAmount currencyID="(\w+)">([^<]+)</.exec(xml);
  return {
    root: grab(xml, /^<\?xml[^>]*>\s*<(\w+)/),
    typeCode: grab(xml, /<cbc:(?:Invoice|CreditNote)TypeCode>(\d+)</),
    number: grab(xml, /<\/cbc:ProfileID>\s*<cbc:ID>([^<]+)</),
    issueDate: grab(xml, /<cbc:IssueDate>([^<]+)</),
    dueDate: grab(xml, /<cbc:DueDate>([^<]+)</) ?? grab(xml, /<cbc:PaymentDueDate>([^<]+)</),
    payable: { currency: payable?.[1], amount: payable?.[2] },
    sellerName: grab(seller, /<cbc:RegistrationName>([^<]+)</),
    buyerName: grab(buyer, /<cbc:RegistrationName>([^<]+)</),
    buyerCountry: grab(buyer, /<cac:PostalAddress>[\s\S]*?<cbc:IdentificationCode>(\w+)</),
    paymentReference: grab(xml, /<cbc:PaymentID>([^<]+)</),
    sellerEndpoint: endpoint(seller),
    buyerEndpoint: endpoint(buyer),
  };
}

const value = <K extends keyof DocumentFacts>(facts: DocumentFacts, key: K) => facts[key]?.value;

describe('Peppol BIS Billing 3.0 examples', () => {
  it('are all here', () => {
    expect(FILES.length).toBe(9);
  });

  for (const file of FILES) {
    it(`${file}: recognised, facts as in the XML, no rule fails`, () => {
      const bytes = readFileSync(join(DIR, file));
      const want = expected(bytes.toString('utf8'));
      const reading = readXmlDocument(bytes, file);
      expect(reading.format).toBe(want.root === 'CreditNote' ? 'ubl-credit-note' : 'ubl-invoice');
      const f = reading.facts;
      expect(value(f, 'kind')).toBe(want.root === 'CreditNote' ? 'credit-note' : 'invoice');
      expect(value(f, 'typeCode')).toBe(want.typeCode);
      expect(value(f, 'number')).toBe(want.number);
      expect(value(f, 'issueDate')).toBe(want.issueDate);
      expect(value(f, 'dueDate')).toBe(want.dueDate);
      expect(value(f, 'payable')).toEqual(want.payable);
      expect(value(f, 'sellerName')).toBe(want.sellerName);
      expect(value(f, 'buyerName')).toBe(want.buyerName);
      expect(value(f, 'buyerCountry')).toBe(want.buyerCountry);
      expect(value(f, 'paymentReference')).toBe(want.paymentReference);
      expect(value(f, 'sellerEndpoint')).toBe(want.sellerEndpoint);
      expect(value(f, 'buyerEndpoint')).toBe(want.buyerEndpoint);
      for (const fact of Object.values(f)) expect(fact).toMatchObject({ source: 'xml', confidence: 1 });
      expect(reading.validation).toEqual([]);
      expect(reading.xml).toBe(bytes);
    });
  }

  it('keeps a payee account that fails the IBAN check out of the facts, and says so', () => {
    const reading = readXmlDocument(readFileSync(join(DIR, 'vat-category-Z.xml')));
    expect(reading.facts.iban).toBeUndefined();
    expect(reading.problems).toEqual(['IBAN "SE1212341234123412" fails its check digits']);
  });
});
