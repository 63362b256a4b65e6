import type { ParsedMail } from 'mailparser';
import { parseMail } from '../../mime/parse-mail.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { QueuedMessage } from '../../core/types.js';
import type { ContentAnnotation, ContentSettingsStore, StoredContentSettings } from './content-settings-store.js';
import { buildMime, pickHeaders } from './build-mime.js';
import { chooseLanguage } from './choose-language.js';
import { composeMessage, type ComposedMessage } from './compose.js';
import type { ContentSettings } from './content-settings.js';
import { detectDocumentYielding, type Detection } from '../detect/detect.js';
import { detectionInputFrom } from '../detect/detection-input.js';
import { messageChoice, type MessageChoice } from './message-choice.js';
import { textTypeOf } from './text-library.js';

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
    const language = choice.language ?? chooseLanguage(detection, opts.recipient, settings).language;
    const rendered = await render(parsed, settings, detection, language, choice.textName);
    return {
      rendered: { ...rendered, detection },
      note: noted(deps, message, annotation(deps, detection, rendered.composed, choice)),
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

async function render(
  parsed: ParsedMail,
  settings: ContentSettings,
  detection: Detection,
  language: string,
  textName: string | undefined,
): Promise<RenderedContent> {
  const composed = composeMessage(parsed, settings, detection, language, textName);
  const headers = pickHeaders(parsed.headerLines, KEPT_HEADERS);
  return { composed, raw: await buildMime(composed, headers) };
}

/** The note without its lint: spam-lint-stage.ts adds that once the identity stage decided the From. */
function annotation(
  deps: ContentStageDeps,
  detection: Detection,
  composed: ComposedMessage,
  choice: Pick<MessageChoice, 'notes'>,
): ContentAnnotation {
  const number = detection.variables['document-number'];
  return {
    ...(composed.textName !== undefined ? { text: composed.textName } : {}),
    ...(choice.notes.length > 0 ? { notes: choice.notes } : {}),
    documentType: detection.documentType,
    ...(number !== undefined ? { documentNumber: number } : {}),
    ...(detection.matchedRule !== null ? { rule: detection.matchedRule } : {}),
    language: composed.language,
    subjectFrom: composed.subjectFrom,
    bodyFrom: composed.bodyFrom,
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
