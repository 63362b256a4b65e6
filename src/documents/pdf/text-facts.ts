import type { DocumentFacts, DocumentKind, Fact, Money } from '../facts.js';
import { scanLabels, type LabelHit, type Placement } from './label-scan.js';
import {
  CREDIT_NOTE_WORDS,
  DUE_DATE_LABELS,
  IBAN_LABELS,
  INVOICE_WORDS,
  ISSUE_DATE_LABELS,
  NUMBER_LABELS,
  PAYABLE_LABELS,
  REFERENCE_LABELS,
  type LabelSet,
} from './labels.js';
import { findAmount } from './parse-amount.js';
import { findDate } from './parse-date.js';
import { findPaymentReference, findUnlabelledIban, findUnlabelledReference, ibanAt } from './text-references.js';

/**
 * The facts of an invoice's text layer, each with a confidence (the rule is in docs/e-invoice.md,
 * "PDFs"): a main label with a well-formed value on its own line is 0.9; below the label 0.8 (same
 * column) or 0.7 (next line); a weak label (a bare "Total") 0.6; two different values for the same
 * fact make it ambiguous: the first is kept at 0.5.
 */

const PLACEMENT_CONFIDENCE: Readonly<Record<Placement, number>> = {
  'same-line': 0.9,
  'column-below': 0.8,
  'line-below': 0.7,
};
const WEAK = 0.6;
const AMBIGUOUS = 0.5;
/** An amount without a currency is read as EUR, with this much less confidence. */
const NO_CURRENCY = 0.1;
const NUMBER_VALUE = /^[A-Z0-9][A-Z0-9\-/._]{0,39}/i;

interface Candidate<T> {
  readonly value: T;
  readonly confidence: number;
  readonly key: string;
}

type Parse<T> = (value: string) => { value: T; penalty?: number } | undefined;

export function textFacts(lines: readonly string[]): DocumentFacts {
  const hits = scanLabels(lines);
  const text = lines.join('\n');
  const facts: Record<string, Fact<unknown>> = {};
  const put = <T>(name: keyof DocumentFacts, fact: Fact<T> | undefined): void => {
    if (fact !== undefined) facts[name] = fact;
  };
  put('kind', kindOf(text));
  put('number', pick(hits, NUMBER_LABELS, parseNumber));
  put('issueDate', pick(hits, ISSUE_DATE_LABELS, parseDate));
  put('dueDate', pick(hits, DUE_DATE_LABELS, parseDate));
  put(
    'payable',
    pick(hits, PAYABLE_LABELS, parseMoney, (money) => `${money.amount} ${money.currency}`),
  );
  put('paymentReference', pick(hits, REFERENCE_LABELS, findPaymentReference) ?? findUnlabelledReference(text));
  put('iban', pick(hits, IBAN_LABELS, ibanAt) ?? findUnlabelledIban(text));
  return facts as DocumentFacts;
}

/** The best candidate: main labels before weak ones, the first in reading order, lowered when others disagree. */
function pick<T>(
  hits: readonly LabelHit[],
  labels: LabelSet,
  parse: Parse<T>,
  key: (value: T) => string = String,
): Fact<T> | undefined {
  for (const [names, weak] of [
    [labels.main, false],
    [labels.weak, true],
  ] as const) {
    const found = candidates(hits, names, weak, parse, key);
    const first = found[0];
    if (first === undefined) continue;
    const agreed = found.every((other) => other.key === first.key);
    const confidence = agreed ? first.confidence : Math.min(first.confidence, AMBIGUOUS);
    return { value: first.value, source: 'pdf-text', confidence: round(confidence) };
  }
  return undefined;
}

function candidates<T>(
  hits: readonly LabelHit[],
  names: readonly string[],
  weak: boolean,
  parse: Parse<T>,
  key: (value: T) => string,
): Candidate<T>[] {
  const found: Candidate<T>[] = [];
  for (const hit of hits) {
    if (!names.includes(hit.label)) continue;
    const parsed = parse(hit.value);
    if (parsed === undefined) continue;
    const base = weak ? Math.min(WEAK, PLACEMENT_CONFIDENCE[hit.placement]) : PLACEMENT_CONFIDENCE[hit.placement];
    found.push({ value: parsed.value, confidence: base - (parsed.penalty ?? 0), key: key(parsed.value) });
  }
  return found;
}

function round(confidence: number): number {
  return Math.round(confidence * 100) / 100;
}

function parseNumber(value: string): { value: string } | undefined {
  const match = NUMBER_VALUE.exec(value);
  if (match === null || !/\d/.test(match[0])) return undefined;
  return { value: match[0].replace(/[.\-/]+$/, '') };
}

/** A date must start the value ("31-03-2026", "le 31 mars" is not read). */
function parseDate(value: string): { value: string } | undefined {
  const found = findDate(value);
  return found !== undefined && found.index === 0 ? { value: found.iso } : undefined;
}

function parseMoney(value: string): { value: Money; penalty?: number } | undefined {
  const found = findAmount(value);
  if (found === undefined || found.index !== 0) return undefined;
  return { value: found.money, penalty: found.currencyGiven ? 0 : NO_CURRENCY };
}

function kindOf(text: string): Fact<DocumentKind> | undefined {
  if (containsWord(text, CREDIT_NOTE_WORDS)) return { value: 'credit-note', source: 'pdf-text', confidence: 0.8 };
  if (containsWord(text, INVOICE_WORDS)) return { value: 'invoice', source: 'pdf-text', confidence: 0.7 };
  return undefined;
}

function containsWord(text: string, words: readonly string[]): boolean {
  const lower = text.toLowerCase();
  return words.some((word) => new RegExp(`(?<![\\p{L}])${word.toLowerCase()}`, 'u').test(lower));
}
