import type { DocumentFacts, DocumentReading, Fact } from '../../documents/facts.js';

/**
 * One set of facts for a message from all its attachments as read. Per fact: structured XML
 * first (a UBL or CII file, or the XML inside a Factur-X PDF), then the PDF text with the
 * highest confidence, then the earlier attachment. A PDF fact below `CONFIDENT` is not used at
 * all: a wrong amount in a subject is worse than the fallback text (docs/e-invoice.md). The
 * document's language is the detector's best guess at any confidence (the reader does not guess
 * on short texts): it only picks among the languages the tenant wrote content in.
 */
export const CONFIDENT = 0.8;

type FactName = keyof DocumentFacts;

function better(a: Fact<unknown>, b: Fact<unknown>): boolean {
  if (a.source !== b.source) return a.source === 'xml';
  return a.confidence > b.confidence;
}

export function mergedFacts(readings: readonly DocumentReading[]): DocumentFacts {
  const out: Partial<Record<FactName, Fact<unknown>>> = {};
  for (const reading of readings) {
    for (const [name, fact] of Object.entries(reading.facts) as [FactName, Fact<unknown> | undefined][]) {
      if (fact === undefined || (fact.confidence < CONFIDENT && name !== 'language')) continue;
      const held = out[name];
      if (held === undefined || better(fact, held)) out[name] = fact;
    }
  }
  return out as DocumentFacts;
}
