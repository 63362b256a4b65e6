import type { Attachment, ParsedMail } from 'mailparser';
import type { ContentSettings } from './content-settings.js';
import { renderDefaultLayout, textToHtml } from './default-layout.js';
import { htmlToText } from './html-to-text.js';
import { renderTemplate } from './render-template.js';
import { singleLine } from './template-syntax.js';
import { buildVariables, type DetectedValues } from './variables.js';

/**
 * Turns a legacy mail into what the tenant asked for: subject template, text (or the legacy
 * body), layout, and always a text/plain part. Attachments are passed through untouched.
 *
 * Parse the original with `simpleParser(raw, { keepCidLinks: true })`: a kept legacy HTML
 * body must still point at its inline images by cid, not at data: URLs.
 */
export interface ComposedAttachment {
  readonly content: Buffer;
  readonly filename?: string;
  readonly contentType: string;
  readonly contentDisposition?: string;
  readonly cid?: string;
}

export interface ComposedMessage {
  readonly subject: string;
  readonly text: string;
  readonly html?: string;
  readonly attachments: readonly ComposedAttachment[];
  /** The language the content was rendered in (a missing variant falls back to the default). */
  readonly language: string;
  readonly subjectFrom: 'template' | 'legacy';
  readonly bodyFrom: 'text' | 'legacy';
  /** The library text the body was made from, when bodyFrom is `text`. */
  readonly textName?: string;
  /** Variables the subject, text or layout used that had no value and no `|` text, once each. */
  readonly missing?: readonly string[];
}

export type ComposeSource = Pick<ParsedMail, 'subject' | 'text' | 'html' | 'attachments'>;
type ComposeSettings = Pick<
  ContentSettings,
  | 'subjects'
  | 'texts'
  | 'defaultTexts'
  | 'body'
  | 'layout'
  | 'constants'
  | 'defaultLanguage'
  | 'companyName'
  | 'logoUrl'
  | 'missingVariables'
>;

interface Variant {
  readonly template: string;
  readonly language: string;
}

/** The variant in `language`, its primary subtag (nl-be → nl), or the tenant default language. */
export function pickVariant(
  variants: Readonly<Record<string, string>> | undefined,
  language: string,
  defaultLanguage: string,
): Variant | undefined {
  if (variants === undefined) return undefined;
  for (const candidate of [language, language.split('-')[0] ?? language, defaultLanguage]) {
    const template = Object.hasOwn(variants, candidate) ? variants[candidate] : undefined;
    if (template !== undefined) return { template, language: candidate };
  }
  return undefined;
}

function copyAttachment(a: Attachment): ComposedAttachment {
  return {
    content: a.content,
    contentType: a.contentType,
    ...(a.filename !== undefined ? { filename: a.filename } : {}),
    ...(a.contentDisposition !== undefined ? { contentDisposition: a.contentDisposition } : {}),
    ...(a.cid !== undefined ? { cid: a.cid } : {}),
  };
}

interface Body {
  readonly text: string;
  readonly legacyHtml?: string;
  readonly language: string;
  readonly from: 'text' | 'legacy';
  readonly textName?: string;
}

type Missing = (name: string) => void;

/**
 * `chosen`: a text the package asked for by name (package-choice.ts); it replaces the body even where the
 * type keeps the legacy one, since the package asked for it explicitly.
 */
function chooseBody(
  parsed: ComposeSource,
  settings: ComposeSettings,
  detection: DetectedValues,
  language: string,
  chosen: string | undefined,
  onMissing: Missing,
): Body {
  const type = detection.documentType;
  const textName = chosen ?? settings.defaultTexts[type];
  const variants =
    textName !== undefined && Object.hasOwn(settings.texts, textName) ? settings.texts[textName] : undefined;
  const replace = chosen !== undefined || settings.body[type] === 'replace';
  const variant = replace ? pickVariant(variants, language, settings.defaultLanguage) : undefined;
  if (variant !== undefined && textName !== undefined) {
    const vars = buildVariables(detection, settings, variant.language);
    const text = renderTemplate(variant.template, vars, { onMissing });
    return { text, language: variant.language, from: 'text', textName };
  }
  const html = typeof parsed.html === 'string' && parsed.html.trim() !== '' ? parsed.html : undefined;
  const text = parsed.text ?? (html !== undefined ? htmlToText(html) : '');
  return { text, language, from: 'legacy', ...(html !== undefined ? { legacyHtml: html } : {}) };
}

function chooseHtml(
  body: Body,
  subject: string,
  settings: ComposeSettings,
  detection: DetectedValues,
  onMissing: Missing,
): string | undefined {
  const layout = settings.layout;
  if (layout === 'none') return undefined;
  // A legacy HTML body the tenant keeps was designed already: wrapping it again would nest documents.
  if (body.legacyHtml !== undefined) return body.legacyHtml;
  const contentHtml = textToHtml(body.text);
  if (layout === 'default') {
    return renderDefaultLayout({
      language: body.language,
      title: subject,
      companyName: settings.companyName,
      logoUrl: settings.logoUrl,
      contentHtml,
    });
  }
  const vars = buildVariables(detection, settings, body.language);
  return renderTemplate(layout.custom, vars, { escapeHtml: true, raw: { content: contentHtml }, onMissing });
}

/**
 * `detection` may carry the attached documents' facts. A variable without a value renders as its
 * `|` text or nothing; with `missingVariables: 'legacy-subject'` a subject missing one is the
 * package's own subject instead, and `missing` lists them all (the content stage holds the
 * message for review when the tenant chose `hold`).
 */
export function composeMessage(
  parsed: ComposeSource,
  settings: ComposeSettings,
  detection: DetectedValues,
  language: string,
  chosenText?: string,
): ComposedMessage {
  const missing = new Set<string>();
  const onMissing: Missing = (name) => missing.add(name);
  const subjectVariant = pickVariant(settings.subjects[detection.documentType], language, settings.defaultLanguage);
  const templated =
    subjectVariant !== undefined ? renderSubject(subjectVariant, settings, detection, onMissing) : undefined;
  const keepLegacy = templated === undefined || (templated.missing && settings.missingVariables === 'legacy-subject');
  const subject = keepLegacy ? singleLine(parsed.subject ?? '', 998) : templated.subject;
  const body = chooseBody(parsed, settings, detection, language, chosenText, onMissing);
  const html = chooseHtml(body, subject, settings, detection, onMissing);
  return {
    subject,
    text: body.text,
    ...(html !== undefined ? { html } : {}),
    attachments: parsed.attachments.map(copyAttachment),
    language: body.language,
    subjectFrom: keepLegacy ? 'legacy' : 'template',
    bodyFrom: body.from,
    ...(body.textName !== undefined ? { textName: body.textName } : {}),
    missing: [...missing],
  };
}

function renderSubject(
  variant: Variant,
  settings: ComposeSettings,
  detection: DetectedValues,
  onMissing: Missing,
): { readonly subject: string; readonly missing: boolean } {
  let missing = false;
  const vars = buildVariables(detection, settings, variant.language);
  const rendered = renderTemplate(variant.template, vars, {
    onMissing: (name) => {
      missing = true;
      onMissing(name);
    },
  });
  return { subject: singleLine(rendered, 998), missing };
}
