import { createHash } from 'node:crypto';
import type { Attachment, ParsedMail } from 'mailparser';
import { parseMail } from '../../mime/parse-mail.js';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { Clock } from '../../core/clock.js';
import type { MessageQueue, NewMessage, QueuedMessage, RecipientState } from '../../core/types.js';
import type { ContentSettingsReader } from '../content/content-settings-store.js';
import { chooseLanguage } from '../content/choose-language.js';
import { pickVariant } from '../content/compose.js';
import { contentSettingsSchema, type ContentSettings } from '../content/content-settings.js';
import { detectDocument, type Detection } from '../detect/detect.js';
import { detectionInputFrom } from '../detect/detection-input.js';
import { accountantText } from '../content/mail-texts/accountant.js';
import { renderTemplate } from '../content/render-template.js';
import { singleLine } from '../content/template-syntax.js';
import { withoutMarkers } from '../content/package-choice.js';
import { buildVariables } from '../content/variables.js';
import { accountantDocuments, isForAccountant, type AccountantDocuments } from './accountant-documents.js';
import type { DocumentReader } from '../documents-of.js';

/**
 * The accountant copy: a separate message to the tenant's accountant with the documents of
 * an invoice or credit note attached as they came: the structured e-invoice when there is one
 * (accountant-documents.ts says which parts), else every PDF and XML. Parsing happens at
 * delivery time or on an API call, never on the accept path.
 */

/** Marks a message we built as an accountant copy; the pipeline strips it before sending. */
export const ACCOUNTANT_COPY_HEADER = 'X-Postbode-Accountant-Copy';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * The automatic copy's queue id, derived from the original's: same time part, the rest from
 * a hash. A second attempt of the original finds the copy already queued (idempotent).
 */
export function accountantCopyId(originalId: string): string {
  const digest = createHash('sha256').update(`accountant:${originalId}`).digest();
  let tail = '';
  for (let i = 0; i < 16; i++) tail += ALPHABET[(digest[i] ?? 0) % 32];
  return originalId.slice(0, 10) + tail;
}

export function isDocumentAttachment(a: Pick<Attachment, 'contentType' | 'filename'>): boolean {
  const type = a.contentType.toLowerCase();
  const name = (a.filename ?? '').toLowerCase();
  return (
    type === 'application/pdf' ||
    type.endsWith('/xml') ||
    type.endsWith('+xml') ||
    name.endsWith('.pdf') ||
    name.endsWith('.xml')
  );
}

/** The tenant's detection of a message, as the content stage runs it (its rules first, built-ins if it keeps them). */
export function detectWith(parsed: ParsedMail, settings: ContentSettings): Detection {
  return detectDocument(detectionInputFrom(parsed), settings.rules, settings.builtinRules);
}

export interface CopyOptions {
  readonly from: string;
  readonly to: string;
  readonly originalId: string;
  readonly copyId: string;
  readonly hostname: string;
  readonly now: number;
}

/**
 * A copy is one when every recipient of the record is the accountant: forwarding a copy
 * would send the accountant the same documents again under a "copy of a copy" subject.
 */
export function isAccountantCopy(message: {
  readonly recipients: readonly Pick<RecipientState, 'address' | 'role'>[];
}): boolean {
  return message.recipients.length > 0 && message.recipients.every((r) => r.role === 'accountant');
}

export interface AccountantContent {
  readonly subject: string;
  readonly text: string;
  readonly language: string;
}

/**
 * Subject and text in the accountant's language: its address or domain in the tenant's
 * language settings, else the tenant default. The tenant's accountant template in that
 * language when it wrote one, else the built-in text. The client's language plays no part.
 */
export function accountantContent(
  parsed: ParsedMail,
  settings: ContentSettings,
  to: string,
  documents: number,
  detection: Detection = detectWith(parsed, settings),
): AccountantContent {
  const { language } = chooseLanguage({}, to, settings);
  const builtin = accountantText(language);
  const subject =
    pickVariant(settings.accountant.subject, language, settings.defaultLanguage)?.template ?? builtin.subject;
  const text = pickVariant(settings.accountant.text, language, settings.defaultLanguage)?.template ?? builtin.text;
  const vars = {
    ...buildVariables(detection, settings, language),
    // The package's [text:…] marker is for Postbode, not for the accountant (docs/texts.md).
    'original-subject': singleLine(withoutMarkers(parsed.subject ?? '').trim(), 998),
    'document-count': String(documents),
  };
  return { subject: singleLine(renderTemplate(subject, vars), 998), text: renderTemplate(text, vars), language };
}

export async function buildAccountantCopy(
  parsed: ParsedMail,
  settings: ContentSettings,
  opts: CopyOptions,
  detection?: Detection,
  docs?: AccountantDocuments,
): Promise<Buffer> {
  const { attachments: documents } = docs ?? (await accountantDocuments(parsed.attachments, isDocumentAttachment));
  const content = accountantContent(parsed, settings, opts.to, documents.length, detection);
  const composer = new MailComposer({
    from: opts.from,
    to: opts.to,
    subject: content.subject,
    text: content.text,
    attachments: documents.map((a) => ({
      content: a.content,
      contentType: a.contentType,
      filename: a.filename ?? false,
    })),
    messageId: `<${opts.copyId.toLowerCase()}.accountant@${opts.hostname}>`,
    date: new Date(opts.now),
    headers: { [ACCOUNTANT_COPY_HEADER]: opts.originalId, 'Content-Language': content.language },
    newline: 'windows',
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return composer.compile().build();
}

export interface AccountantDeps {
  readonly queue: Pick<MessageQueue, 'enqueue' | 'get'>;
  readonly hostname: string;
  readonly clock: Clock;
  /** The tenant's language and accountant templates; without them (or for a tenant that saved none) the defaults. */
  readonly content?: ContentSettingsReader;
  /** Reads attachments off the main thread (the reader pool); without it only XML is read (no Factur-X). */
  readonly read?: DocumentReader;
}

/**
 * The accountant copy of `original` (stored bytes `body`) as a message to queue, or undefined
 * when none is due. `automatic`: only for an invoice or credit note (the tenant's detection, or
 * an attached e-invoice's own kind when no rule matched) with document attachments,
 * once (deterministic id; none when that id is already queued); `detection` is the content
 * stage's when it ran, so the tenant's rules decide once for both. `manual`: always a new
 * copy, under `id`. Reads only: the caller queues it.
 */
export async function buildAccountantMessage(
  deps: AccountantDeps,
  original: QueuedMessage,
  body: Buffer,
  address: string,
  how: { readonly automatic: true; readonly detection?: Detection | undefined } | { readonly id: string },
): Promise<{ readonly message: NewMessage; readonly raw: Buffer } | undefined> {
  const id = 'automatic' in how ? accountantCopyId(original.id) : how.id;
  if (deps.queue.get(id)) return undefined;
  const parsed = await parseMail(body, { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true });
  const settings = deps.content?.get(original.tenantId)?.settings ?? contentSettingsSchema.parse({});
  const detection = ('automatic' in how ? how.detection : undefined) ?? detectWith(parsed, settings);
  const docs = await accountantDocuments(parsed.attachments, isDocumentAttachment, deps.read);
  if ('automatic' in how && (!isForAccountant(detection, docs) || docs.attachments.length === 0)) return undefined;
  const now = deps.clock();
  const from = parsed.from?.text || original.envelope.from || `postbode@${deps.hostname}`;
  const copy = { from, to: address, originalId: original.id, copyId: id, hostname: deps.hostname, now };
  const raw = await buildAccountantCopy(parsed, settings, copy, detection, docs);
  const message: NewMessage = {
    id,
    tenantId: original.tenantId,
    kind: 'mail',
    envelope: { from: original.envelope.from, to: [address] },
    receivedAt: now,
    client: { address: '127.0.0.1', helo: deps.hostname },
    messageId: `<${id.toLowerCase()}.accountant@${deps.hostname}>`,
    ...(parsed.subject !== undefined ? { subject: withoutMarkers(parsed.subject).trim() } : {}),
    roles: { [address]: 'accountant' },
  };
  return { message, raw };
}

/** Builds and queues the accountant copy (see buildAccountantMessage); the copy, or undefined when none was due. */
export async function queueAccountantCopy(
  deps: AccountantDeps,
  original: QueuedMessage,
  body: Buffer,
  address: string,
  how: { readonly automatic: true; readonly detection?: Detection | undefined } | { readonly id: string },
): Promise<QueuedMessage | undefined> {
  const built = await buildAccountantMessage(deps, original, body, address, how);
  return built ? deps.queue.enqueue(built.message, built.raw) : undefined;
}
