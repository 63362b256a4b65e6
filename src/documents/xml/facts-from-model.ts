import type { DocumentFacts, DocumentKind, Fact } from '../facts.js';
import { checkIban } from '../iban.js';
import { checkPaymentReference } from '../payment-reference.js';
import type { EInvoice, EParty } from './einvoice.js';
import { toIsoDate } from './iso-date.js';
import { CREDIT_NOTE_TYPE_CODES } from './type-codes.js';

/** The facts of an e-invoice, each from its business term; structured XML has confidence 1. */

export interface ModelFacts {
  readonly facts: DocumentFacts;
  readonly problems: readonly string[];
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };

function fact<T>(value: T): Fact<T> {
  return { value, source: 'xml', confidence: 1 };
}

function kindOf(model: EInvoice): DocumentKind | undefined {
  if (model.root === 'CreditNote') return 'credit-note';
  if (model.typeCode !== undefined && CREDIT_NOTE_TYPE_CODES.has(model.typeCode)) return 'credit-note';
  return model.syntax === 'ubl' || model.typeCode !== undefined ? 'invoice' : undefined;
}

function endpoint(party: EParty): string | undefined {
  const e = party.endpoint;
  return e === undefined ? undefined : e.scheme === undefined ? e.value : `${e.scheme}:${e.value}`;
}

function payment(model: EInvoice, facts: Writable<DocumentFacts>, problems: string[]): void {
  if (model.paymentReference !== undefined) {
    facts.paymentReference = fact(model.paymentReference);
    const check = checkPaymentReference(model.paymentReference);
    if (check.problem !== undefined) problems.push(`payment reference "${model.paymentReference}": ${check.problem}`);
  }
  if (model.iban === undefined) return;
  const iban = checkIban(model.iban);
  if (iban.valid) facts.iban = fact(iban.iban);
  else if (/^[A-Z]{2}[0-9]{2}/.test(iban.iban)) problems.push(`IBAN "${model.iban}" fails its check digits`);
}

function payable(model: EInvoice, facts: Writable<DocumentFacts>): void {
  const amount = model.totals.payable;
  const currency = model.totals.payableCurrency ?? model.currency;
  if (amount === undefined || currency === undefined || !/^[+-]?\d+(\.\d+)?$/.test(amount)) return;
  facts.payable = fact({ amount: amount.replace(/^\+/, ''), currency: currency.toUpperCase() });
}

function set<K extends keyof DocumentFacts>(facts: Writable<DocumentFacts>, key: K, value: string | undefined): void {
  if (value !== undefined) (facts as Record<K, Fact<string>>)[key] = fact(value);
}

export function factsFromModel(model: EInvoice): ModelFacts {
  const facts: Writable<DocumentFacts> = {};
  const problems: string[] = [];
  const kind = kindOf(model);
  if (kind !== undefined) facts.kind = fact(kind);
  set(facts, 'typeCode', model.typeCode);
  set(facts, 'number', model.number);
  set(facts, 'issueDate', model.issueDate && toIsoDate(model.issueDate));
  set(facts, 'dueDate', model.dueDate && toIsoDate(model.dueDate));
  payable(model, facts);
  set(facts, 'sellerName', model.seller.name ?? model.seller.tradingName);
  set(facts, 'buyerName', model.buyer.name ?? model.buyer.tradingName);
  set(facts, 'buyerCountry', model.buyer.country?.toUpperCase());
  payment(model, facts, problems);
  set(facts, 'buyerEndpoint', endpoint(model.buyer));
  set(facts, 'sellerEndpoint', endpoint(model.seller));
  return { facts, problems };
}
