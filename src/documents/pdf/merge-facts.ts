import type { DocumentFacts } from '../facts.js';

/** The XML's facts with the text layer's only where the XML says nothing: structured data always wins. */
export function mergeFacts(xml: DocumentFacts, text: DocumentFacts): DocumentFacts {
  const merged: Record<string, unknown> = { ...text };
  for (const [name, fact] of Object.entries(xml)) if (fact !== undefined) merged[name] = fact;
  return merged as DocumentFacts;
}
