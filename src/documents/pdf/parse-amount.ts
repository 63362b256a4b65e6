import type { Money } from '../facts.js';

/**
 * Amounts as invoices write them: 1.234,56 / 1 234,56 / 1,234.56 / 1234.56, with €, EUR (or another
 * ISO code, $, £) before or after. The last separator followed by one or two digits is the decimal
 * one; a lone separator followed by three digits groups thousands.
 */

const SYMBOLS: Readonly<Record<string, string>> = { '€': 'EUR', $: 'USD', '£': 'GBP' };
const CODE = '€|\\$|£|EUR|USD|GBP|CHF|SEK|DKK|NOK|PLN|CZK|HUF|RON';
const NUMBER = "-?\\d{1,3}(?:[.,'\\u00a0\\u202f ]\\d{3})+(?:[.,]\\d{1,2})?|-?\\d+(?:[.,]\\d{1,2})?";
const AMOUNT = new RegExp(`(?:(${CODE})\\s?)?(${NUMBER})(?!\\d)(?:\\s?(${CODE}))?`, 'u');

export interface FoundAmount {
  readonly money: Money;
  /** Whether the text named the currency; when not, EUR is assumed and the fact's confidence is lower. */
  readonly currencyGiven: boolean;
  readonly index: number;
}

/** The first amount in `text`; undefined when there is none. */
export function findAmount(text: string): FoundAmount | undefined {
  const match = AMOUNT.exec(text);
  if (match === null) return undefined;
  const [, before, number = '', after] = match;
  const amount = normaliseNumber(number);
  if (amount === undefined) return undefined;
  const code = before ?? after;
  const currency = code === undefined ? 'EUR' : (SYMBOLS[code] ?? code);
  return { money: { amount, currency }, currencyGiven: code !== undefined, index: match.index };
}

/** "1.234,56" → "1234.56"; "1,234" → "1234"; "12,5" → "12.5". */
export function normaliseNumber(written: string): string | undefined {
  const sign = written.startsWith('-') ? '-' : '';
  const body = written.replace(/^-/, '').replace(/['\u00a0\u202f ]/g, '');
  const decimal = /[.,](\d{1,2})$/.exec(body);
  const whole = decimal === null ? body : body.slice(0, decimal.index);
  const digits = whole.replace(/[.,]/g, '');
  if (!/^\d+$/.test(digits)) return undefined;
  return decimal === null ? `${sign}${digits}` : `${sign}${digits}.${decimal[1]}`;
}
