import MailComposer from 'nodemailer/lib/mail-composer';
import type { MailComposerAttachment } from 'nodemailer/lib/mail-composer';
import { fieldName, joinMessage, splitMessage } from '../../mime/index.js';
import type { ComposedMessage } from './compose.js';

/**
 * The composed message as a MIME message (CRLF line ends). Attachments go in as Buffers with
 * their original type, name, disposition and Content-ID, so they decode to the same bytes.
 * Kept headers are copied verbatim, byte for byte: nodemailer would re-parse and re-encode
 * address and date headers, so they are put in front of the header block it generates.
 */
export interface HeaderLine {
  /** Lower-case header name, as mailparser's `headerLines` gives it. */
  readonly key: string;
  /** The whole raw line, `Name: value`, folding included; a binary (latin1) string as mailparser gives it. */
  readonly line: string;
}

/**
 * Headers that describe the old body or the old bytes: never copied over. A DKIM signature
 * over the legacy body would fail once the content changed.
 */
const NEVER_KEPT: ReadonlySet<string> = new Set([
  'subject',
  'content-type',
  'content-transfer-encoding',
  'mime-version',
  'content-disposition',
  'content-id',
  'dkim-signature',
  'arc-seal',
  'arc-message-signature',
  'arc-authentication-results',
]);

/** The lines of `headerLines` whose names are listed (any case), e.g. from, to, date, message-id. */
export function pickHeaders(headerLines: readonly HeaderLine[], names: readonly string[]): HeaderLine[] {
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  return headerLines.filter((h) => wanted.has(h.key.toLowerCase()));
}

function attachmentFor(a: ComposedMessage['attachments'][number]): MailComposerAttachment {
  return {
    content: a.content,
    contentType: a.contentType,
    filename: a.filename ?? false,
    ...(a.contentDisposition !== undefined ? { contentDisposition: a.contentDisposition } : {}),
    ...(a.cid !== undefined ? { cid: a.cid } : {}),
  };
}

export async function buildMime(composed: ComposedMessage, headersToKeep: readonly HeaderLine[]): Promise<Buffer> {
  const composer = new MailComposer({
    subject: composed.subject,
    text: composed.text,
    ...(composed.html !== undefined ? { html: composed.html } : {}),
    attachments: composed.attachments.map(attachmentFor),
    newline: 'windows',
    // Content is always given inline: never let a value be read as a file path or URL.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  const built = await composer.compile().build();
  const generated = splitMessage(built);
  const kept = headersToKeep
    .map((h) => h.line.replace(/\r?\n/g, '\r\n'))
    .filter((line) => fieldName(line) !== '' && !NEVER_KEPT.has(fieldName(line)));
  const keptNames = new Set(kept.map(fieldName));
  // Ours replace the generated Date and Message-ID; Content-Type stays last, as nodemailer put it.
  const fields = [...kept, ...generated.fields.filter((f) => !keptNames.has(fieldName(f)))];
  return joinMessage({ fields, rest: generated.rest });
}
