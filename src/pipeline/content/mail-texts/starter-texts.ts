import { DOCUMENT_TYPES, type DocumentType } from '../../detect/document-types.js';
import { STARTER_DE } from './starter-texts-de.js';
import { STARTER_EN } from './starter-texts-en.js';
import { STARTER_FR } from './starter-texts-fr.js';
import { STARTER_NL } from './starter-texts-nl.js';
import { STARTER_TEXT_TYPES, type StarterLanguageTexts, type StarterTextName } from './starter-text-names.js';

/**
 * Texts a new tenant can add with one click (POST /tenants/{id}/texts/starter): for every document
 * type, in Dutch, French, English and German, what the document is, how and when to pay and a
 * thank-you. They pass our spam lint and score at most 0 in SpamAssassin (test/flows/texts/).
 */
const BY_LANGUAGE: Readonly<Record<string, StarterLanguageTexts>> = {
  nl: STARTER_NL,
  fr: STARTER_FR,
  en: STARTER_EN,
  de: STARTER_DE,
};

export interface StarterText {
  readonly name: StarterTextName;
  readonly documentType: DocumentType;
  /** Template per language. */
  readonly variants: Readonly<Record<string, string>>;
}

export const STARTER_TEXTS: readonly StarterText[] = (Object.keys(STARTER_TEXT_TYPES) as StarterTextName[]).map(
  (name) => ({
    name,
    documentType: STARTER_TEXT_TYPES[name],
    variants: Object.fromEntries(
      Object.entries(BY_LANGUAGE).map(([language, texts]) => [language, texts[name].join('\n')]),
    ),
  }),
);

/** The starter text each document type gets as its default (the first one made for that type). */
export const STARTER_DEFAULTS: Readonly<Record<DocumentType, StarterTextName>> = Object.fromEntries(
  DOCUMENT_TYPES.map((type) => [type, STARTER_TEXTS.find((t) => t.documentType === type)?.name ?? 'document']),
) as Record<DocumentType, StarterTextName>;
