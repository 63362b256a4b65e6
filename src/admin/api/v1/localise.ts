import type { Request, Response } from 'express';
import { createCatalog, languageOf, type Language } from '../../../core/text-catalog.js';
import { DNS_ADVICE } from '../../../mailauth/dns-advice.js';
import { SPAM_ADVICE } from '../../../pipeline/content/spam-advice.js';
import { REPORT_ADVICE } from '../../../feedback/reports/report-texts.js';
import { API_MESSAGES } from './api-messages.js';

/**
 * Answers in the request's language (Accept-Language: nl or en, English by default). Codes
 * never change with the language: `error`, `messageCode`, `fieldCodes` and a warning's `rule`
 * are for programs, the texts beside them for people.
 */
export const apiCatalog = createCatalog([...API_MESSAGES, ...SPAM_ADVICE, ...DNS_ADVICE, ...REPORT_ADVICE]);

export function requestLanguage(req: Request): Language {
  return languageOf(req.get('accept-language'));
}

/** The answer depends on Accept-Language: caches must keep the languages apart. */
export function markLanguage(res: Response, lang: Language): void {
  res.vary('Accept-Language');
  res.set('Content-Language', lang);
}

/** An error body with `message` and `fields` in `lang`, and the stable codes beside them. */
export function localiseError(body: Readonly<Record<string, unknown>>, lang: Language): Record<string, unknown> {
  const out: Record<string, unknown> = { ...body };
  if (typeof body.message === 'string') {
    const message = apiCatalog.localise(body.message, lang);
    out.message = message.text;
    if (message.code !== undefined) out.messageCode = message.code;
  }
  if (isRecord(body.fields)) {
    const fields: Record<string, string[]> = {};
    const codes: Record<string, string[]> = {};
    for (const [key, reasons] of Object.entries(body.fields)) {
      const localised = (Array.isArray(reasons) ? reasons : [reasons]).map((r) => apiCatalog.localise(String(r), lang));
      fields[key] = localised.map((l) => l.text);
      codes[key] = localised.map((l) => l.code ?? 'invalid');
    }
    out.fields = fields;
    out.fieldCodes = codes;
  }
  return out;
}

const ADVICE_LISTS = new Set(['warnings', 'lint']);
/** Texts of the DNS checks: a record's advice and a domain's summary of what fails. */
const ADVICE_TEXTS = new Set(['advice', 'failingReason']);
const MAX_DEPTH = 6;

/**
 * A reply with its advice in `lang`: the `warnings` and `lint` lists (spam-lint, skipped rules)
 * and the DNS checks' `advice` and `failingReason`. English replies are sent as they are, so
 * the English path costs nothing.
 */
export function localiseReply(body: unknown, lang: Language): unknown {
  return lang === 'en' ? body : walk(body, lang, 0);
}

function walk(value: unknown, lang: Language, depth: number): unknown {
  if (depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) return value.map((v) => walk(v, lang, depth + 1));
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (ADVICE_LISTS.has(key) && Array.isArray(v)) out[key] = v.map((w) => localiseAdvice(w, lang));
    else if (ADVICE_TEXTS.has(key) && typeof v === 'string') out[key] = apiCatalog.localise(v, lang).text;
    else out[key] = walk(v, lang, depth + 1);
  }
  return out;
}

function localiseAdvice(warning: unknown, lang: Language): unknown {
  if (!isRecord(warning) || typeof warning.message !== 'string') return warning;
  return { ...warning, message: apiCatalog.localise(warning.message, lang).text };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
