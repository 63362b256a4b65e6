import type { RuleFailure } from '../facts.js';
import type { EInvoice } from '../xml/einvoice.js';
import { CREDIT_NOTE_TYPE_CODES, INVOICE_TYPE_CODES } from '../xml/type-codes.js';
import { COUNTRIES, CURRENCIES, PAYMENT_MEANS, VAT_CATEGORIES } from './code-lists.js';

/** BR-CL-01, -04, -14, -16, -17, -18: the codes in use come from their code lists. */

function typeCodes(model: EInvoice): ReadonlySet<string> {
  if (model.syntax === 'cii') return new Set([...INVOICE_TYPE_CODES, ...CREDIT_NOTE_TYPE_CODES]);
  return model.root === 'CreditNote' ? CREDIT_NOTE_TYPE_CODES : INVOICE_TYPE_CODES;
}

function typeCode(model: EInvoice): RuleFailure[] {
  const code = model.typeCode;
  if (code === undefined || typeCodes(model).has(code)) return [];
  const what = model.root === 'CreditNote' ? 'a credit note' : 'an invoice';
  return [{ rule: 'BR-CL-01', message: `The type code "${code}" is not ${what} code of UNTDID 1001.` }];
}

function currency(model: EInvoice): RuleFailure[] {
  const code = model.currency;
  if (code === undefined || CURRENCIES.has(code)) return [];
  return [{ rule: 'BR-CL-04', message: `The currency "${code}" is not an ISO 4217 currency code.` }];
}

function countries(model: EInvoice): RuleFailure[] {
  const parties = [
    ['seller', model.seller.country],
    ['buyer', model.buyer.country],
  ] as const;
  return parties
    .filter(([, code]) => code !== undefined && !COUNTRIES.has(code))
    .map(([who, code]) => ({ rule: 'BR-CL-14', message: `The ${who}'s country "${code}" is not an ISO 3166-1 code.` }));
}

function paymentMeans(model: EInvoice): RuleFailure[] {
  return model.paymentMeans
    .filter((code) => !PAYMENT_MEANS.has(code))
    .map((code) => ({ rule: 'BR-CL-16', message: `The payment means "${code}" is not a UNCL4461 code.` }));
}

function vatCategories(model: EInvoice): RuleFailure[] {
  const bad = (code: string | undefined): code is string => code !== undefined && !VAT_CATEGORIES.has(code);
  const breakdown = model.taxSubtotals.map((s) => s.category).filter(bad);
  const lines = [...model.lines, ...model.allowanceCharges].map((l) => l.vatCategory).filter(bad);
  return [
    ...[...new Set(breakdown)].map((c) => ({
      rule: 'BR-CL-17',
      message: `The VAT breakdown uses category "${c}", which is not a UNCL5305 code.`,
    })),
    ...[...new Set(lines)].map((c) => ({
      rule: 'BR-CL-18',
      message: `A line, allowance or charge uses VAT category "${c}", which is not a UNCL5305 code.`,
    })),
  ];
}

export function codeListRules(model: EInvoice): RuleFailure[] {
  return [...typeCode(model), ...currency(model), ...countries(model), ...paymentMeans(model), ...vatCategories(model)];
}
