import { DOCUMENT_TYPES, type DocumentType } from '../detect/document-types.js';

/**
 * What a package that can only send SMTP chooses per message: a text of the tenant's library, the
 * language and the document type, by header or by a `[text:name]` marker in the subject or the first
 * lines of the body. The headers and the marker never leave Postbode (docs/texts.md).
 */
export const PACKAGE_HEADERS = {
  text: 'X-Postbode-Text',
  language: 'X-Postbode-Language',
  documentType: 'X-Postbode-Document-Type',
  hold: 'X-Postbode-Hold',
} as const;

/** Lower-case names, for the list of header fields that never leave (pipeline/shared.ts). */
export const PACKAGE_HEADER_NAMES: readonly string[] = Object.values(PACKAGE_HEADERS).map((h) => h.toLowerCase());

/** A marker names a text like the library does: one line, at most 64 characters, no `]`. */
const MARKER = /\[text:[ \t]*([^\]\r\n]{1,64}?)[ \t]*\]/i;
const MARKER_LINE = /^[ \t]*\[text:[^\]\r\n]{1,64}\][ \t]*(?:\r?\n|$)/gim;
const MARKER_ANYWHERE = /\[text:[^\]\r\n]{1,64}\][ \t]*/gi;
const MARKER_START = /\[text:/i;
/** The body's marker counts in its first lines only: further down it is the package's own text. */
export const MARKER_BODY_LINES = 5;
const LANGUAGE = /^[a-z]{2,3}(?:-[a-z0-9]{2,8})?$/;

export interface PackageChoice {
  /** The text name as the package wrote it (header first, then subject, then body). */
  readonly text?: string;
  readonly textFrom?: 'header' | 'subject' | 'body';
  readonly language?: string;
  readonly documentType?: DocumentType;
  /** What was asked but ignored, in plain words for the message log. */
  readonly notes: readonly string[];
}

export interface ChoiceSource {
  readonly subject: string;
  readonly text: string;
  /** Header value by lower-case name. */
  readonly header: (name: string) => string | undefined;
}

export function markerIn(value: string): string | undefined {
  return MARKER.exec(value)?.[1]?.trim() || undefined;
}

/** The value without markers; a line holding only a marker goes with its line end. */
export function withoutMarkers(value: string): string {
  if (!MARKER_START.test(value)) return value;
  return value.replace(MARKER_LINE, '').replace(MARKER_ANYWHERE, '');
}

export function readPackageChoice(source: ChoiceSource): PackageChoice {
  const notes: string[] = [];
  const headerText = source.header(PACKAGE_HEADERS.text.toLowerCase())?.trim() || undefined;
  const subjectText = markerIn(source.subject);
  const bodyText = markerIn(firstLines(source.text, MARKER_BODY_LINES));
  const text = headerText ?? subjectText ?? bodyText;
  const textFrom = headerText ? 'header' : subjectText ? 'subject' : bodyText ? 'body' : undefined;
  const language = readLanguage(source.header(PACKAGE_HEADERS.language.toLowerCase()), notes);
  const documentType = readDocumentType(source.header(PACKAGE_HEADERS.documentType.toLowerCase()), notes);
  return {
    ...(text !== undefined && textFrom !== undefined ? { text, textFrom } : {}),
    ...(language !== undefined ? { language } : {}),
    ...(documentType !== undefined ? { documentType } : {}),
    notes,
  };
}

function firstLines(text: string, count: number): string {
  return text.trimStart().split(/\r?\n/, count).join('\n');
}

function readLanguage(raw: string | undefined, notes: string[]): string | undefined {
  const value = raw?.trim().toLowerCase();
  if (!value) return undefined;
  if (LANGUAGE.test(value)) return value;
  notes.push(`${PACKAGE_HEADERS.language} ${JSON.stringify(value.slice(0, 40))} ignored: not a language code`);
  return undefined;
}

function readDocumentType(raw: string | undefined, notes: string[]): DocumentType | undefined {
  const value = raw?.trim().toLowerCase();
  if (!value) return undefined;
  if ((DOCUMENT_TYPES as readonly string[]).includes(value)) return value as DocumentType;
  notes.push(
    `${PACKAGE_HEADERS.documentType} ${JSON.stringify(value.slice(0, 40))} ignored: expected one of ` +
      DOCUMENT_TYPES.join(', '),
  );
  return undefined;
}

/**
 * The library's name for what the package wrote: exact, else the one name equal but for case.
 * Only this tenant's texts are looked at, so another tenant's names never resolve.
 */
export function resolveTextName(texts: Readonly<Record<string, unknown>>, wanted: string): string | undefined {
  if (Object.hasOwn(texts, wanted)) return wanted;
  const lower = wanted.toLowerCase();
  const matches = Object.keys(texts).filter((name) => name.toLowerCase() === lower);
  return matches.length === 1 ? matches[0] : undefined;
}
