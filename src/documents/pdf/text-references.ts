import type { Fact } from '../facts.js';
import { normaliseCreditorReference, normaliseIban, normaliseStructured } from './references.js';

/**
 * Payment references and IBANs in a text layer. Their check digits vouch for them, so an unlabelled
 * one in running text is still trusted (0.9 structured, 0.85 RF and IBAN); a labelled free-text
 * reference ("Mededeling: factuur 42") without check digits gets 0.6 (penalty 0.3 on a label's 0.9).
 */

const STRUCTURED = /(?:\+{3}|\*{3})\s*\d{3}\s*\/\s*\d{4}\s*\/\s*\d{5}\s*(?:\+{3}|\*{3})/g;
const CREDITOR = /\bRF\d{2}(?:\s?[A-Z0-9]{1,4}){1,6}\b/g;
const IBAN = /\b[A-Z]{2}\d{2}(?:[ \u00a0]?[A-Z0-9]{4}){2,7}(?:[ \u00a0]?[A-Z0-9]{1,3})?\b/g;
const FREE_TEXT_PENALTY = 0.3;

function checked(text: string): string | undefined {
  for (const match of text.matchAll(STRUCTURED)) {
    const ref = normaliseStructured(match[0]);
    if (ref !== undefined) return ref;
  }
  for (const match of text.matchAll(CREDITOR)) {
    const ref = normaliseCreditorReference(match[0]);
    if (ref !== undefined) return ref;
  }
  return undefined;
}

/** The value after a reference label: a checked reference, or else the free text itself (at lower confidence). */
export function findPaymentReference(value: string): { value: string; penalty?: number } | undefined {
  const ref = checked(value);
  if (ref !== undefined) return { value: ref };
  const free = value.split(/\s{2,}/)[0]?.trim() ?? '';
  return free.length >= 3 && free.length <= 70 ? { value: free, penalty: FREE_TEXT_PENALTY } : undefined;
}

export function findUnlabelledReference(text: string): Fact<string> | undefined {
  const ref = checked(text);
  if (ref === undefined) return undefined;
  return { value: ref, source: 'pdf-text', confidence: ref.startsWith('+++') ? 0.9 : 0.85 };
}

/** The IBAN after an "IBAN" label, when its check digits hold. */
export function ibanAt(value: string): { value: string } | undefined {
  const iban = firstIban(value);
  return iban === undefined ? undefined : { value: iban };
}

export function findUnlabelledIban(text: string): Fact<string> | undefined {
  const iban = firstIban(text);
  return iban === undefined ? undefined : { value: iban, source: 'pdf-text', confidence: 0.85 };
}

function firstIban(text: string): string | undefined {
  for (const match of text.toUpperCase().matchAll(IBAN)) {
    // The pattern is greedy: a word after the IBAN ("… 7034 BIC") can join it; drop chunks from the end.
    const chunks = match[0].split(/[ \u00a0]/);
    while (chunks.length > 0) {
      const iban = normaliseIban(chunks.join(''));
      if (iban !== undefined) return iban;
      chunks.pop();
    }
  }
  return undefined;
}
