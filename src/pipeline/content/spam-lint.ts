import { maskTags } from './html-tags.js';
import { decodeEntities, htmlToText } from './html-to-text.js';
import { adviceEn } from './spam-advice.js';
import { greetingWarnings } from './spam-lint-greeting.js';
import { ACRONYMS } from './spam-lint-acronyms.js';
import { imageOnlyWarnings } from './spam-lint-images.js';

/**
 * The help page's advice on staying out of spam folders, as a checker. It never blocks: the
 * API returns these warnings with positions when a subject, text or layout is saved, and the
 * pipeline logs them for each rendered message. Calibrated against SpamAssassin's local rules
 * (see test/flows/content/rules-spamassassin.test.ts): a message without warnings scores low there.
 */
export type LintRule =
  | 'capitals'
  | 'exclamation'
  | 'foreign-link'
  | 'too-short'
  | 'no-personalisation'
  | 'generic-greeting'
  | 'image-only';

export interface LintWarning {
  readonly rule: LintRule;
  readonly message: string;
  /** Character offsets in the linted string; 0..0 for "missing" warnings. */
  readonly start: number;
  readonly end: number;
}

export interface LintOptions {
  /** Domain of the sending address; links to it (and its subdomains) are fine. */
  readonly sendingDomain?: string | undefined;
}

const MIN_LINES = 5;
/** A text written as long unwrapped paragraphs has enough content with fewer lines. */
const ENOUGH_WORDS = 60;

function isShouting(word: string): boolean {
  return word.length >= 2 && word === word.toUpperCase() && word !== word.toLowerCase() && !ACRONYMS.has(word);
}

/** Runs of two or more words in capitals (at least one of 3+ letters) on one line. */
export function capitalsWarnings(text: string): LintWarning[] {
  const warnings: LintWarning[] = [];
  let run: { start: number; end: number; words: number; long: boolean } | undefined;
  let previousEnd = 0;
  const close = () => {
    if (run && run.words >= 2 && run.long)
      warnings.push({ rule: 'capitals', message: adviceEn('capitals'), start: run.start, end: run.end });
    run = undefined;
  };
  // Variable names (%DOCUMENT-NUMBER%) are not words the reader sees.
  const words = text.replace(/%[A-Za-z][A-Za-z0-9_-]{0,63}%/g, (v) => ' '.repeat(v.length));
  for (const m of words.matchAll(/\p{L}+/gu)) {
    const gap = words.slice(previousEnd, m.index);
    previousEnd = m.index + m[0].length;
    if (run && /[\n\d]/.test(gap)) close();
    if (!isShouting(m[0])) {
      close();
      continue;
    }
    run ??= { start: m.index, end: previousEnd, words: 0, long: false };
    run.end = previousEnd;
    run.words += 1;
    run.long ||= m[0].length >= 3;
  }
  close();
  return warnings;
}

/** Every run of 2+ exclamation marks, and the 4th mark when there are more than 3 in all. */
export function exclamationWarnings(text: string): LintWarning[] {
  const warnings: LintWarning[] = [];
  for (const m of text.matchAll(/!{2,}/g)) {
    warnings.push({
      rule: 'exclamation',
      message: adviceEn('exclamation-run'),
      start: m.index,
      end: m.index + m[0].length,
    });
  }
  const marks = [...text.matchAll(/!/g)];
  const fourth = marks[3];
  if (fourth)
    warnings.push({
      rule: 'exclamation',
      message: adviceEn('exclamation-count', { count: marks.length }),
      start: fourth.index,
      end: fourth.index + 1,
    });
  return warnings;
}

function hostOf(url: string): string | undefined {
  if (/^mailto:/i.test(url))
    return url
      .slice(url.lastIndexOf('@') + 1)
      .split(/[?>]/)[0]
      ?.toLowerCase();
  try {
    return new URL(/^www\./i.test(url) ? `http://${url}` : url).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

function linkWarning(url: string, start: number, options: LintOptions): LintWarning | undefined {
  const host = hostOf(url);
  const domain = options.sendingDomain?.toLowerCase();
  if (host !== undefined && domain !== undefined && (host === domain || host.endsWith(`.${domain}`))) return undefined;
  const message =
    domain === undefined
      ? adviceEn('foreign-link', { host: host ?? url })
      : adviceEn('foreign-link-domain', { host: host ?? url, domain });
  return { rule: 'foreign-link', message, start, end: start + url.length };
}

/** A sentence's full stop is not part of the URL. A loop: `/[.,;:!?]+$/` is quadratic on a run of dots. */
function trimTrailingPunctuation(url: string): string {
  let end = url.length;
  while (end > 0 && '.,;:!?'.includes(url.charAt(end - 1))) end -= 1;
  return url.slice(0, end);
}

/** URLs written in text (http(s)://… and www.…). */
export function textLinkWarnings(text: string, options: LintOptions): LintWarning[] {
  const warnings: LintWarning[] = [];
  for (const m of text.matchAll(/\b(?:https?:\/\/|(?<![/\w.])www\.)[^\s<>"'()[\]]+/gi)) {
    const url = trimTrailingPunctuation(m[0]);
    const warning = linkWarning(url, m.index, options);
    if (warning) warnings.push(warning);
  }
  return warnings;
}

/** `href` targets in HTML (web and mailto links; anchors and relative links are ignored). */
export function htmlLinkWarnings(html: string, options: LintOptions): LintWarning[] {
  const warnings: LintWarning[] = [];
  for (const m of html.matchAll(/\shref\s*=\s*(?:"([^"]{0,2048})"|'([^']{0,2048})'|([^\s"'>]{1,2048}))/gi)) {
    const raw = m[1] ?? m[2] ?? m[3] ?? '';
    const url = decodeEntities(raw).trim();
    if (!/^(?:https?:|mailto:|\/\/|www\.)/i.test(url)) continue;
    const start = m.index + m[0].indexOf(raw);
    const warning = linkWarning(url.startsWith('//') ? `https:${url}` : url, start, options);
    if (warning) warnings.push({ ...warning, end: start + raw.length });
  }
  return warnings;
}

export function contentWarnings(text: string): LintWarning[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '').length;
  const words = text.match(/\p{L}[\p{L}\p{N}'’-]*/gu)?.length ?? 0;
  if (lines >= MIN_LINES || words >= ENOUGH_WORDS) return [];
  return [
    {
      rule: 'too-short',
      message: lines === 1 ? adviceEn('too-short-one') : adviceEn('too-short', { lines }),
      start: 0,
      end: text.length,
    },
  ];
}

function personalisationWarning(): LintWarning {
  return { rule: 'no-personalisation', message: adviceEn('no-personalisation'), start: 0, end: 0 };
}

function byPosition(warnings: LintWarning[]): LintWarning[] {
  return warnings.sort((a, b) => a.start - b.start || a.end - b.end);
}

/** A subject template or a rendered subject. */
export function lintSubject(subject: string, options: LintOptions = {}): LintWarning[] {
  return byPosition([
    ...capitalsWarnings(subject),
    ...exclamationWarnings(subject),
    ...textLinkWarnings(subject, options),
  ]);
}

/**
 * A text template (when saved): the same checks as a rendered text, and it should use %client-name%
 * (one warning: a generic greeting's says so already).
 */
export function lintTextTemplate(text: string, options: LintOptions = {}): LintWarning[] {
  const body = lintBody(text, options);
  const personal = /%client-name%/i.test(text) || greeted(body) ? [] : [personalisationWarning()];
  return byPosition([...body, ...personal]);
}

function lintBody(text: string, options: LintOptions): LintWarning[] {
  return [
    ...greetingWarnings(text),
    ...capitalsWarnings(text),
    ...exclamationWarnings(text),
    ...textLinkWarnings(text, options),
    ...contentWarnings(text),
  ];
}

function greeted(warnings: readonly LintWarning[]): boolean {
  return warnings.some((w) => w.rule === 'generic-greeting');
}

/** A custom layout (when saved): shouting and exclamation marks in its own words, and its links. */
export function lintLayout(html: string, options: LintOptions = {}): LintWarning[] {
  const visible = maskTags(html);
  return byPosition([
    ...capitalsWarnings(visible),
    ...exclamationWarnings(visible),
    ...htmlLinkWarnings(html, options),
  ]);
}

export interface RenderedMessage {
  readonly subject: string;
  readonly text: string;
  readonly html?: string | undefined;
}

export type MessageLintWarning = LintWarning & { readonly field: 'subject' | 'text' | 'html' };

/** A rendered message, for the message log. `clientName`: the name the text should greet, when known. */
export function lintMessage(
  message: RenderedMessage,
  options: LintOptions & { readonly clientName?: string | undefined } = {},
): MessageLintWarning[] {
  const text = message.text.trim() !== '' || message.html === undefined ? message.text : htmlToText(message.html);
  const out: MessageLintWarning[] = [
    ...lintSubject(message.subject, options).map((w) => ({ ...w, field: 'subject' as const })),
    ...lintBody(text, options).map((w) => ({ ...w, field: 'text' as const })),
    ...(message.html !== undefined
      ? [...htmlLinkWarnings(message.html, options), ...imageOnlyWarnings(message.html)].map((w) => ({
          ...w,
          field: 'html' as const,
        }))
      : []),
  ];
  const name = options.clientName?.trim();
  if (name && !text.toLowerCase().includes(name.toLowerCase()) && !greeted(out))
    out.push({ ...personalisationWarning(), field: 'text' });
  return out;
}
