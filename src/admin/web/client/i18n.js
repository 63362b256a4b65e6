// @ts-check
import { EN } from './labels-en.js';
import { NL } from './labels-nl.js';

/**
 * Dutch and English labels. The language follows the user's choice (kept in localStorage:
 * not a secret) or else the browser's; `{name}` placeholders are filled by t().
 * Texts that come from the API (advice, reasons, replies) are shown as the API words them:
 * api.js asks for them in this language (Accept-Language).
 */
/** @type {Record<string, Record<string, string>>} */
const TABLES = { en: EN, nl: NL };
/** @type {Array<[string, string]>} */
export const LANGS = [
  ['nl', 'Nederlands'],
  ['en', 'English'],
];
const KEY = 'postbode.lang';

export function getLang() {
  const chosen = localStorage.getItem(KEY);
  if (chosen && chosen in TABLES) return chosen;
  return navigator.languages.some((l) => l.toLowerCase().startsWith('nl')) ? 'nl' : 'en';
}

/** @param {string} lang */
export function setLang(lang) {
  if (lang in TABLES) localStorage.setItem(KEY, lang);
}

/**
 * @param {string} key
 * @param {Record<string, string | number>} [vars]
 */
export function t(key, vars = {}) {
  const text = TABLES[getLang()]?.[key] ?? EN[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? String(vars[name]) : whole));
}
