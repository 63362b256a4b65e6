import type { Money } from '../../documents/facts.js';

/**
 * Amounts and dates from a document, written the way a reader of `language` expects:
 * `€ 1.234,56` (nl), `1 234,56 €` (fr), `€1,234.56` (en), `1.234,56 €` (de); dates spelled out,
 * `31 maart 2026`, `31 mars 2026`, `31 March 2026`, `31. März 2026`, so that 03-04 is never read
 * as 4 March in one country and 3 April in another. Intl's no-break spaces (U+00A0, and U+202F
 * in French) become plain spaces: a subject is made single-line with plain spaces anyway, and a
 * text should read the same as its subject. The choice is documented in docs/e-invoice.md, "Using the facts".
 */

/** Locales whose conventions we follow per language; others use the language tag as it is. */
const LOCALES: Readonly<Record<string, string>> = { nl: 'nl-BE', fr: 'fr-BE', en: 'en-GB', de: 'de-DE' };

function localeOf(language: string): string {
  const primary = language.split('-')[0] ?? language;
  return LOCALES[primary] ?? language;
}

function plainSpaces(value: string): string {
  return value.replace(/[\u00a0\u202f]/g, ' ');
}

/** `1234.56 EUR` in `language`; undefined when the amount or currency code is not usable. */
export function formatAmount(money: Money, language: string): string | undefined {
  if (!/^-?\d{1,15}(?:\.\d{1,6})?$/.test(money.amount) || !/^[A-Z]{3}$/.test(money.currency)) return undefined;
  const options: Intl.NumberFormatOptions = { style: 'currency', currency: money.currency, currencyDisplay: 'symbol' };
  return plainSpaces(
    withLocale(language, (locale) => new Intl.NumberFormat(locale, options)).format(Number(money.amount)),
  );
}

/** An ISO date (`2026-03-31`) in `language`, spelled out; undefined when it is not a real date. */
export function formatDate(iso: string, language: string): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!match) return undefined;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== iso) return undefined;
  const options: Intl.DateTimeFormatOptions = { dateStyle: 'long', timeZone: 'UTC' };
  return plainSpaces(withLocale(language, (locale) => new Intl.DateTimeFormat(locale, options)).format(date));
}

/** A stored language tag Intl does not know falls back to English rather than throwing. */
function withLocale<T>(language: string, make: (locale: string) => T): T {
  try {
    return make(localeOf(language));
  } catch {
    return make('en-GB');
  }
}
