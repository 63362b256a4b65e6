import type { DocumentFacts } from '../../documents/facts.js';

/**
 * The language an attached document suggests for its mail, when the tenant configured none for
 * the recipient: the buyer's country where one language is spoken in business, else the
 * document's own language (read from its text). Belgium, Switzerland, Luxembourg and Canada
 * speak several: there the document's language decides, as the seller wrote it for that buyer.
 */
const COUNTRY_LANGUAGE: Readonly<Record<string, string>> = {
  NL: 'nl',
  SR: 'nl',
  FR: 'fr',
  MC: 'fr',
  DE: 'de',
  AT: 'de',
  LI: 'de',
  GB: 'en',
  IE: 'en',
  US: 'en',
  AU: 'en',
  NZ: 'en',
};

export type DocumentLanguageSource = 'document-country' | 'document-language';

export interface DocumentLanguage {
  readonly language: string;
  readonly source: DocumentLanguageSource;
}

/** Only a language the tenant wrote content in: a German buyer of a Dutch-only tenant gets the Dutch text. */
export function documentLanguage(facts: DocumentFacts, inUse: ReadonlySet<string>): DocumentLanguage | undefined {
  const country = facts.buyerCountry?.value.toUpperCase();
  const byCountry =
    country !== undefined && Object.hasOwn(COUNTRY_LANGUAGE, country) ? COUNTRY_LANGUAGE[country] : undefined;
  if (byCountry !== undefined && inUse.has(byCountry)) return { language: byCountry, source: 'document-country' };
  const own = facts.language?.value.toLowerCase().split('-')[0];
  if (own !== undefined && inUse.has(own)) return { language: own, source: 'document-language' };
  return undefined;
}
