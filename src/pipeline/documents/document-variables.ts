import type { DocumentFacts } from '../../documents/facts.js';
import { singleLine } from '../content/template-syntax.js';
import { formatAmount, formatDate } from './format-values.js';

/**
 * The template variables an attached document can give, and their values in one language.
 * Values come from a file someone else wrote: made single-line and short here, where they enter,
 * like the captures of detection, so they are safe in a subject.
 */
export const DOCUMENT_VARIABLES = [
  'document-number',
  'client-name',
  'company-name',
  'amount',
  'due-date',
  'document-date',
  'payment-reference',
] as const;

export type DocumentVariable = (typeof DOCUMENT_VARIABLES)[number];

export function documentVariables(facts: DocumentFacts, language: string): Partial<Record<DocumentVariable, string>> {
  const values: Partial<Record<DocumentVariable, string | undefined>> = {
    'document-number': facts.number?.value,
    'client-name': facts.buyerName?.value,
    'company-name': facts.sellerName?.value,
    amount: facts.payable !== undefined ? formatAmount(facts.payable.value, language) : undefined,
    'due-date': facts.dueDate !== undefined ? formatDate(facts.dueDate.value, language) : undefined,
    'document-date': facts.issueDate !== undefined ? formatDate(facts.issueDate.value, language) : undefined,
    'payment-reference': facts.paymentReference?.value,
  };
  const out: Partial<Record<DocumentVariable, string>> = {};
  for (const name of DOCUMENT_VARIABLES) {
    const value = values[name] !== undefined ? singleLine(values[name], 200) : '';
    if (value !== '') out[name] = value;
  }
  return out;
}
