/**
 * The kinds of document Postbode recognises in mail from invoicing software, and their names
 * per language for `%document-type%`.
 */
export const DOCUMENT_TYPES = ['invoice', 'credit-note', 'quote', 'order', 'reminder', 'other'] as const;

export type DocumentType = (typeof DOCUMENT_TYPES)[number];

/** Languages with built-in names and detection keywords; tenants may use any other code too. */
export const BUILTIN_LANGUAGES = ['nl', 'fr', 'en', 'de'] as const;

type Names = Readonly<Record<DocumentType, string>>;

const NAMES: Readonly<Record<(typeof BUILTIN_LANGUAGES)[number], Names>> = {
  nl: {
    invoice: 'factuur',
    'credit-note': 'creditnota',
    quote: 'offerte',
    order: 'bestelling',
    reminder: 'herinnering',
    other: 'document',
  },
  fr: {
    invoice: 'facture',
    'credit-note': 'note de crédit',
    quote: 'devis',
    order: 'commande',
    reminder: 'rappel',
    other: 'document',
  },
  en: {
    invoice: 'invoice',
    'credit-note': 'credit note',
    quote: 'quote',
    order: 'order',
    reminder: 'reminder',
    other: 'document',
  },
  // German nouns are capitalised wherever they stand.
  de: {
    invoice: 'Rechnung',
    'credit-note': 'Gutschrift',
    quote: 'Angebot',
    order: 'Bestellung',
    reminder: 'Zahlungserinnerung',
    other: 'Dokument',
  },
};

/** The document type's name in `language` (its primary subtag); English for languages without names. */
export function documentTypeName(type: DocumentType, language: string): string {
  const primary = language.toLowerCase().split('-')[0] ?? '';
  const names = (NAMES as Readonly<Record<string, Names>>)[primary] ?? NAMES.en;
  return names[type];
}
