import type { Attachment, ParsedMail } from 'mailparser';
import type { ContentSettings } from './content-settings.js';
import { renderDefaultLayout, textToHtml } from './default-layout.js';
import type { Detection } from '../detect/detect.js';
import { htmlToText } from './html-to-text.js';
import { renderTemplate } from './render-template.js';
import { singleLine } from './template-syntax.js';
import { buildVariables } from './variables.js';

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

/**
 * `chosen`: a text the package asked for by name (package-choice.ts); it replaces the body even where the
 * type keeps the legacy one, since the package asked for it explicitly.
 */
function chooseBody(
  parsed: ComposeSource,
  settings: ComposeSettings,
  detection: Detection,
  language: string,
  chosen: string | undefined,
): Body {
  const type = detection.documentType;
  const textName = chosen ?? settings.defaultTexts[type];
  const variants =
    textName !== undefined && Object.hasOwn(settings.texts, textName) ? settings.texts[textName] : undefined;
  const replace = chosen !== undefined || settings.body[type] === 'replace';
  const variant = replace ? pickVariant(variants, language, settings.defaultLanguage) : undefined;
  if (variant !== undefined && textName !== undefined) {
    const vars = buildVariables(detection, settings, variant.language);
    return { text: renderTemplate(variant.template, vars), language: variant.language, from: 'text', textName };
  }
  const html = typeof parsed.html === 'string' && parsed.html.trim() !== '' ? parsed.html : undefined;
  const text = parsed.text ?? (html !== undefined ? htmlToText(html) : '');
  return { text, language, from: 'legacy', ...(html !== undefined ? { legacyHtml: html } : {}) };
}

function chooseHtml(body: Body, subject: string, settings: ComposeSettings, detection: Detection): string | undefined {
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
  return renderTemplate(layout.custom, vars, { escapeHtml: true, raw: { content: contentHtml } });
}

export function composeMessage(
  parsed: ComposeSource,
  settings: ComposeSettings,
  detection: Detection,
  language: string,
  chosenText?: string,
): ComposedMessage {
  const subjectVariant = pickVariant(settings.subjects[detection.documentType], language, settings.defaultLanguage);
  const subject =
    subjectVariant !== undefined
      ? singleLine(
          renderTemplate(subjectVariant.template, buildVariables(detection, settings, subjectVariant.language)),
          998,
        )
      : singleLine(parsed.subject ?? '', 998);
  const body = chooseBody(parsed, settings, detection, language, chosenText);
  const html = chooseHtml(body, subject, settings, detection);
  return {
    subject,
    text: body.text,
    ...(html !== undefined ? { html } : {}),
    attachments: parsed.attachments.map(copyAttachment),
    language: body.language,
    subjectFrom: subjectVariant !== undefined ? 'template' : 'legacy',
    bodyFrom: body.from,
    ...(body.textName !== undefined ? { textName: body.textName } : {}),
  };
}
