import { detectAll } from 'tinyld/light';
import type { Fact } from './facts.js';

/**
 * The language of a document's text (ISO 639-1), with tinyld's own accuracy as confidence. Short
 * texts are not judged: below MIN_LETTERS letters (an invoice with little more than its labels and
 * amounts) the guess is too often wrong, and no answer is better than a wrong one.
 */
export const MIN_LETTERS = 200;
/** Look at no more than this much text: the first pages say enough and the cost stays flat. */
const MAX_CHARS = 20_000;

export function detectLanguage(text: string, source: Fact<string>['source'] = 'pdf-text'): Fact<string> | undefined {
  const sample = text.slice(0, MAX_CHARS);
  const letters = sample.match(/\p{L}/gu)?.length ?? 0;
  if (letters < MIN_LETTERS) return undefined;
  const best = detectAll(sample)[0];
  if (best === undefined || best.lang === '') return undefined;
  return { value: best.lang, source, confidence: Math.round(Math.min(best.accuracy, 0.9) * 100) / 100 };
}
