import type { NewMessage, QueuedMessage, RecipientState, Tenant } from '../core/types.js';
import type { PlannedDelivery } from '../core/plan.js';
import type { GmailPlan } from '../tenants/gmail/gmail-planner.js';
import type { MicrosoftPlan } from '../tenants/microsoft/microsoft-planner.js';
import type { PipelineDeps } from './shared.js';
import type { RenderedContent } from './content/content-stage.js';
import type { HeaderedMessage } from '../mime/index.js';
import type { SenderIdentity } from './sender/sender-identity.js';
import type { ContentAnnotation } from './content/content-settings-store.js';
import type { SenderSettings } from '../tenants/sender-settings.js';
import type { HoldRequest } from '../core/hold.js';
import type { DocumentReading } from '../documents/facts.js';

/**
 * The message on its way through the stages (src/pipeline/index.ts). Each stage reads what
 * the earlier ones decided and adds its own part; what it wants written (a copy to queue, a
 * log annotation) it adds to `effects`, which the pipeline writes once all stages ran.
 */
export interface Draft {
  readonly message: QueuedMessage;
  /** The bytes the client sent, as stored at accept. */
  readonly body: Buffer;
  /**
   * What the stages read: `body` with raw 8-bit header text re-encoded as RFC 2047 words
   * (mime/header-charset.ts); the same Buffer when the header block was ASCII.
   */
  readonly source: Buffer;
  readonly pending: readonly RecipientState[];
  readonly tenant?: Tenant | undefined;
  /** The tenant's sender settings without foreign addresses. */
  readonly settings: SenderSettings;
  /** The tenant's forwarding local part. */
  readonly local?: string | undefined;
  readonly mode: 'forwarding' | 'own-address' | 'own-smtp' | 'gmail' | 'microsoft365';
  /** Why the tenant's chosen mode was not used (the message log shows it). */
  readonly note?: string | undefined;
  /** An accountant copy we built: never tracked, rendered or copied again. */
  readonly isCopy: boolean;
  readonly tracking: boolean;
  /** The tenant wants the pixel even in HTML too short for one (content setting trackShortMessages). */
  readonly trackShortHtml?: boolean;
  readonly content?: RenderedContent | undefined;
  /** The message to send, hidden headers stripped, identity not yet applied. */
  readonly split: HeaderedMessage;
  readonly gmail?: GmailPlan | undefined;
  readonly microsoft?: MicrosoftPlan | undefined;
  readonly identity?: SenderIdentity | undefined;
  /** The bytes that leave (before DKIM). */
  readonly raw?: Buffer | undefined;
  /** Open tracking: each recipient's own bytes. */
  readonly copies?: ReadonlyMap<string, Buffer> | undefined;
  readonly deliveries?: PlannedDelivery[] | undefined;
  readonly effects: readonly Effect[];
  /**
   * Set by a stage that wants the tenant to review this message before it leaves; the first one
   * set wins (a later stage keeps it). Rendering goes on, so the review shows what would leave.
   */
  readonly hold?: HoldRequest | undefined;
  /**
   * The attachments as read, once per message, when something needed them (the content stage:
   * src/pipeline/documents/); later stages (the accountant's copy) reuse them. XML facts beat PDF text.
   */
  readonly documents?: readonly DocumentReading[] | undefined;
  /**
   * The settings fingerprint this rendering used (rendered-deliveries.ts), taken from what the
   * first stage read anyway; set when the rendering may be kept for a retry (render once).
   */
  readonly fingerprint?: string | undefined;
}

/** What a stage wants done, written after the last stage in one transaction (src/pipeline/effects.ts). */
export type Effect =
  | { readonly kind: 'queue-copy'; readonly message: NewMessage; readonly raw: Buffer }
  | { readonly kind: 'annotate'; readonly queueId: string; readonly note: ContentAnnotation };

/** A stage: reads through `deps` (settings, keys, routes), returns the next draft; writes only as effects. */
export type Stage = (draft: Draft, deps: PipelineDeps) => Promise<Draft>;
