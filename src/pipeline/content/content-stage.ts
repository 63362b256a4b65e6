import type { ParsedMail } from 'mailparser';
import { parseMail } from '../../mime/parse-mail.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { QueuedMessage } from '../../core/types.js';
import type { ContentAnnotation, ContentSettingsStore, StoredContentSettings } from './content-settings-store.js';
import { buildMime, pickHeaders } from './build-mime.js';
import { chooseLanguage, languageSettled, type LanguageChoice } from './choose-language.js';
import { composeMessage, type ComposedMessage } from './compose.js';
import type { ContentSettings } from './content-settings.js';
import { detectDocumentYielding, type Detection } from '../detect/detect.js';
import { detectionInputFrom } from '../detect/detection-input.js';
import { messageChoice } from './message-choice.js';
import { textTypeOf } from './text-library.js';
import type { DocumentFacts, DocumentReading } from '../../documents/facts.js';
import type { HoldRequest } from '../../core/hold.js';
import { readAttachedDocuments, type ReadAttachment } from '../documents/read-documents.js';
import { documentsWanted } from '../documents/documents-wanted.js';
import { mergedFacts } from '../documents/document-facts.js';
import { documentNotes, holdFor } from '../documents/document-notes.js';

/**
 * The content stage: a legacy mail becomes what the tenant asked for (subject
 * template, text, layout), attachments byte for byte. It runs before the sender identity
 * stage, which edits the headers of what this stage produced.
 *
 * Tenants without active content settings cost nothing: the stored bytes are not parsed.
 * A rendering failure is logged and the legacy message goes out as it came: a template
 * never loses or blocks an invoice.
 */
export interface ContentStageDeps {
  readonly store: Pick<ContentSettingsStore, 'get'>;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Reads an attachment off the main thread; without it, attachments are never opened. */
  readonly readDocument?: ReadAttachment;
}

export interface RenderedContent {
  readonly composed: ComposedMessage;
  /** The message as built without a pixel. */
  readonly raw: Buffer;
  /** The tenant's detection, when its content settings are on: the accountant decision reuses it. */
  readonly detection?: Detection;
}

/** What the content stage did with one message: the rendering, and its note for the message log. */
export interface ContentOutcome {
  /** Undefined after a rendering failure: the legacy message goes out as it came. */
  readonly rendered?: RenderedContent;
  /** The caller has it written (an effect of the pipeline): this function does no I/O of its own. */
  readonly note: ContentAnnotation;
  /** The attachments as read, when something needed them (later stages reuse them: Draft.documents). */
  readonly documents?: readonly DocumentReading[];
  /** The review hold the tenant's content settings ask for (missing variable, invalid e-invoice). */
  readonly hold?: HoldRequest;
}

/**
 * Legacy headers that stay: addresses, date, ids and threading, and the trace (Received,
 * which names our queue id). Everything describing the old body is rebuilt.
 */
export const KEPT_HEADERS = [
  'received',
  'from',
  'sender',
  'to',
  'cc',
  'reply-to',
  'date',
  'message-id',
  'references',
  'in-reply-to',
] as const;

/** Rendering applies only when the tenant switched it on. */
export function contentActive(stored: StoredContentSettings | undefined): stored is StoredContentSettings {
  return stored !== undefined && stored.enabled;
}

/**
 * The rendered message and its note; only the note after a failure (the stored bytes go out as
 * they are); undefined when content is off (nothing parsed, nothing noted). `recipient` decides
 * the language: the first client recipient, as all copies share one rendering.
 */
export async function applyContent(
  deps: ContentStageDeps,
  message: QueuedMessage,
  body: Buffer,
  opts: { readonly recipient: string },
): Promise<ContentOutcome | undefined> {
  const stored = deps.store.get(message.tenantId);
  if (!contentActive(stored)) return undefined;
  try {
    const settings = stored.settings;
    const choice = messageChoice(await parseMail(body, { keepCidLinks: true }), settings);
    const parsed = choice.parsed;
    const found = await detectDocumentYielding(detectionInputFrom(parsed), settings.rules, settings.builtinRules);
    if (found.skippedRules)
      deps.logger.warn(
        { queueId: message.id, tenantId: message.tenantId, skippedRules: found.skippedRules },
        'detection rules skipped: their stored pattern does not compile on the linear-time engine',
      );
    // The package's X-Postbode-Document-Type, else the type of the text it chose, overrides what detection found
    // (a reminder text sent under an invoice's subject is a reminder); the variables detection found stay.
    const chosenType = choice.textName !== undefined ? textTypeOf(settings, choice.textName) : undefined;
    const type = choice.documentType ?? chosenType;
    const detection = type !== undefined ? { ...found, documentType: type } : found;
    const given = choice.language;
    const documents = await readIfWanted(deps, message, parsed, settings, {
      detection,
      recipient: opts.recipient,
      languageGiven: given !== undefined,
    });
    const facts = documents !== undefined ? mergedFacts(documents) : undefined;
    const language: LanguageChoice =
      given !== undefined
        ? { language: given, source: 'header' }
        : chooseLanguage(detection, opts.recipient, settings, facts);
    const withFacts = { ...detection, ...(facts ? { facts } : {}) };
    const rendered = await render(parsed, settings, withFacts, language.language, choice.textName);
    const hold = holdFor(settings, rendered.composed, documents ?? []);
    const note = annotation(deps, detection, rendered.composed, {
      choice: language,
      documents,
      hold,
      facts,
      notes: choice.notes,
    });
    return {
      rendered: { ...rendered, detection },
      note: noted(deps, message, note),
      ...(documents !== undefined ? { documents } : {}),
      ...(hold !== undefined ? { hold } : {}),
    };
  } catch (err) {
    deps.logger.error(
      { queueId: message.id, tenantId: message.tenantId, err },
      'content rendering failed; the message goes out as it came',
    );
    const note: ContentAnnotation = {
      documentType: 'other',
      language: '',
      subjectFrom: 'legacy',
      bodyFrom: 'legacy',
      lint: [],
      failed: errorText(err),
      at: deps.clock(),
    };
    return { note: noted(deps, message, note) };
  }
}

/** The attachments as read when a variable, the language or the invalid e-invoice hold needs them. */
async function readIfWanted(
  deps: ContentStageDeps,
  message: QueuedMessage,
  parsed: ParsedMail,
  settings: ContentSettings,
  want: { readonly detection: Detection; readonly recipient: string; readonly languageGiven: boolean },
): Promise<readonly DocumentReading[] | undefined> {
  const { detection, recipient } = want;
  if (deps.readDocument === undefined || parsed.attachments.length === 0) return undefined;
  const settled = want.languageGiven || languageSettled(detection, recipient, settings);
  if (!documentsWanted(settings, detection.documentType, settled)) return undefined;
  const log = { logger: deps.logger, queueId: message.id, tenantId: message.tenantId };
  return readAttachedDocuments(deps.readDocument, parsed.attachments, log);
}

async function render(
  parsed: ParsedMail,
  settings: ContentSettings,
  detection: Parameters<typeof composeMessage>[2],
  language: string,
  textName: string | undefined,
): Promise<Omit<RenderedContent, 'detection'>> {
  const composed = composeMessage(parsed, settings, detection, language, textName);
  const headers = pickHeaders(parsed.headerLines, KEPT_HEADERS);
  return { composed, raw: await buildMime(composed, headers) };
}

interface Decided {
  readonly choice: LanguageChoice;
  readonly documents: readonly DocumentReading[] | undefined;
  readonly hold: HoldRequest | undefined;
  readonly facts: DocumentFacts | undefined;
  /** What the package asked for that could not be honoured (an unknown text name, language or type). */
  readonly notes: readonly string[];
}

/** The note without its lint: spam-lint-stage.ts adds that once the identity stage decided the From. */
function annotation(
  deps: ContentStageDeps,
  detection: Detection,
  composed: ComposedMessage,
  decided: Decided,
): ContentAnnotation {
  // The document's own number, when one was read, is what the message log searches for.
  const number = decided.facts?.number?.value ?? detection.variables['document-number'];
  const missing = composed.missing ?? [];
  return {
    ...(composed.textName !== undefined ? { text: composed.textName } : {}),
    ...(decided.notes.length > 0 ? { notes: decided.notes } : {}),
    documentType: detection.documentType,
    ...(number !== undefined ? { documentNumber: number } : {}),
    ...(detection.matchedRule !== null ? { rule: detection.matchedRule } : {}),
    language: composed.language,
    languageSource: decided.choice.source,
    subjectFrom: composed.subjectFrom,
    bodyFrom: composed.bodyFrom,
    ...(decided.documents !== undefined && decided.documents.length > 0
      ? { documents: documentNotes(decided.documents) }
      : {}),
    ...(missing.length > 0 ? { missing } : {}),
    ...(decided.hold !== undefined ? { hold: decided.hold } : {}),
    lint: [],
    at: deps.clock(),
  };
}

/** Logs what the note says, and gives it back. */
function noted(deps: ContentStageDeps, message: QueuedMessage, note: ContentAnnotation): ContentAnnotation {
  deps.logger.info(
    {
      queueId: message.id,
      documentType: note.documentType,
      documentNumber: note.documentNumber,
      failed: note.failed !== undefined,
    },
    'content rendered',
  );
  return note;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message.slice(0, 200) : 'unknown error';
}
