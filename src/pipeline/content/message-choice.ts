import type { ParsedMail } from 'mailparser';
import type { ContentSettings } from './content-settings.js';
import type { DocumentType } from '../detect/document-types.js';
import { PACKAGE_HEADERS, readPackageChoice, resolveTextName, withoutMarkers } from './package-choice.js';

/**
 * The package's choice for one parsed message, checked against the tenant's own library, and the
 * message without its markers (what detection reads and what the content stage builds from).
 * An unknown text name falls back to the default text with a note: a typo never bounces an invoice.
 */
export interface MessageChoice {
  /** The parsed mail with every `[text:…]` marker out of its subject, text and HTML. */
  readonly parsed: ParsedMail;
  /** A name of the tenant's `texts`: replaces the body whatever the body mode of the type says. */
  readonly textName?: string;
  readonly language?: string;
  readonly documentType?: DocumentType;
  readonly notes: readonly string[];
}

export function messageChoice(parsed: ParsedMail, settings: Pick<ContentSettings, 'texts'>): MessageChoice {
  const html = typeof parsed.html === 'string' ? parsed.html : undefined;
  const asked = readPackageChoice({
    subject: parsed.subject ?? '',
    text: parsed.text ?? '',
    header: (name) => headerText(parsed, name),
  });
  const notes = [...asked.notes];
  const textName = asked.text === undefined ? undefined : resolveTextName(settings.texts, asked.text);
  if (asked.text !== undefined && textName === undefined) {
    const where = asked.textFrom === 'header' ? PACKAGE_HEADERS.text : `the marker in the ${asked.textFrom}`;
    notes.push(`no text named ${JSON.stringify(asked.text)} (from ${where}): the default text was used`);
  }
  const cleaned = Object.assign(Object.create(Object.getPrototypeOf(parsed) as object) as ParsedMail, parsed, {
    ...(parsed.subject !== undefined ? { subject: withoutMarkers(parsed.subject).trim() } : {}),
    ...(parsed.text !== undefined ? { text: withoutMarkers(parsed.text) } : {}),
    ...(html !== undefined ? { html: withoutMarkers(html) } : {}),
  });
  return {
    parsed: cleaned,
    ...(textName !== undefined ? { textName } : {}),
    ...(asked.language !== undefined ? { language: asked.language } : {}),
    ...(asked.documentType !== undefined ? { documentType: asked.documentType } : {}),
    notes,
  };
}

function headerText(parsed: ParsedMail, name: string): string | undefined {
  const value = parsed.headers.get(name);
  if (typeof value === 'string') return value;
  return Array.isArray(value) && typeof value[0] === 'string' ? value[0] : undefined;
}
