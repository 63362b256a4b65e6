import type { DocumentType } from '../../detect/document-types.js';

/**
 * The names of the starter texts (starter-texts.ts) and the document type each is made for: the
 * name is what a package writes in `[text:name]` or `X-Postbode-Text`.
 */
export const STARTER_TEXT_TYPES = {
  invoice: 'invoice',
  'credit-note': 'credit-note',
  quote: 'quote',
  order: 'order',
  reminder: 'reminder',
  'reminder-2': 'reminder',
  document: 'other',
} as const satisfies Record<string, DocumentType>;

export type StarterTextName = keyof typeof STARTER_TEXT_TYPES;

/** One language's starter texts, as lines. */
export type StarterLanguageTexts = Readonly<Record<StarterTextName, readonly string[]>>;
