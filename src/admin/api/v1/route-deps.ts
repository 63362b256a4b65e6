import type { PeppolStore } from '../../../tenants/peppol/peppol-store.js';
import type { BounceAlertSettings } from '../../../feedback/bounce-alerts/alert-store.js';
import type { TenantDocuments } from '../../../store/tenant-documents.js';
import type { QueuedMessage, Tenant } from '../../../core/types.js';
import type { OpenReader } from '../../../feedback/opens/open-store.js';
import type { ReplyConfirmation } from '../../../feedback/reply-confirmation.js';
import type { ContentAnnotation, ContentSettingsStore } from '../../../pipeline/content/content-settings-store.js';
import type { ReadAttachment } from '../../../pipeline/documents/read-documents.js';
import type { GmailLinks } from '../../../tenants/gmail/gmail-link.js';
import type { MicrosoftLinks } from '../../../tenants/microsoft/microsoft-link.js';
import type { SenderSettings } from '../../../tenants/sender-settings.js';
import type { SenderSettingsStore } from '../../../tenants/sender-settings-store.js';
import type { TenantTargetPolicy } from '../../../tenants/tenant-target-policy.js';
import type { TestSendResult } from '../../../core/test-send-result.js';
import type { ReviewService } from '../../../pipeline/review/review-service.js';

/*
 * What the optional route groups need besides the common API deps (api-deps.ts), wired in
 * gateway.ts. Kept apart from the routes so that api-deps.ts and the routes both import these
 * types without importing each other.
 */

/** What the sender routes need besides the common API deps (wired in gateway.ts). */
export interface SenderApiDeps {
  readonly store: SenderSettingsStore;
  /** SecretBox.seal. */
  readonly seal: (plaintext: string, context: string) => string;
  /** Sends the test invoice through the tenant's saved server settings. */
  readonly testSend: (tenant: Tenant, settings: SenderSettings, to: string) => Promise<TestSendResult>;
  /** Queues a copy of a past message (its stored body) to the accountant. */
  readonly sendToAccountant: (message: QueuedMessage, body: Buffer, address: string) => Promise<QueuedMessage>;
  /** Ports and address literals a tenant's own server may use (checked when saved). */
  readonly targets?: TenantTargetPolicy;
  /** Test-sends per tenant per window; unlimited when unset. */
  readonly testSendLimit?: { readonly perWindow: number; readonly windowMs: number };
  /**
   * True when `address` is another tenant's or the platform's (the tenant's own forwarding address, `localPart`,
   * excepted).
   */
  readonly ownedByOthers?: (tenantId: string, localPart: string | undefined, address: string) => boolean;
  /** Whether the tenant has a working Gmail link: mode gmail needs one. */
  readonly gmailLinked?: (tenantId: string) => boolean;
  /** Whether the tenant has a working Microsoft 365 link, and the addresses it may send as. */
  readonly microsoftLinked?: (tenantId: string) => boolean;
  readonly microsoftSendAs?: (tenantId: string) => readonly string[] | undefined;
  /** Confirmation of the reply-forwarding address (src/feedback/reply-confirmation.ts). */
  readonly replyConfirmation?: ReplyToConfirmationDeps;
  /** After a passing test-send: mail held for new own-SMTP settings is released (src/tenants/own-smtp-hold.ts). */
  readonly onTestPassed?: (tenantId: string) => void;
}

/** What the content routes need besides the common API deps (wired in gateway.ts). */
export interface ContentApiDeps {
  readonly store: ContentSettingsStore;
  /** Reads the preview's sample attachment through the pipeline's reader (the worker pool); unset: not read. */
  readonly readDocument?: ReadAttachment;
  /**
   * Starts the reader's worker in the background (loading pdf.js takes a second or more), called when a tenant
   * switches rendering on, so that its first mail with an attachment does not wait for it.
   */
  readonly warmReaders?: () => void;
  /**
   * What the content stage noted per message, kept in the queue's log (written with the message's effects).
   * Messages rendered before annotations moved there have theirs in `store`, read as a fallback.
   */
  readonly annotations?: {
    annotation(queueId: string): ContentAnnotation | undefined;
    /** Reads these messages' annotations into memory first, where the engine is shared (PostgreSQL). */
    load?(queueIds: readonly string[]): Promise<void>;
  };
  /** The tenant's chosen sender mode: open tracking adds no pixel in own-smtp and gmail mode. */
  readonly senderMode: (tenantId: string) => string;
  /**
   * The domain the tenant's mail leaves from now (its sender mode decides), for the spam lint's link check;
   * undefined: no one domain (the legacy From stays), links get the general advice.
   */
  readonly sendingDomain?: (tenantId: string) => Promise<string | undefined>;
  /** Recorded pixel opens, for GET /messages/:id. */
  readonly opens?: OpenReader;
}

/** What the Microsoft 365 routes need (wired by gateway.ts through openMicrosoft). */
export type MicrosoftApiDeps = Pick<MicrosoftLinks, 'status' | 'start' | 'unlink' | 'testSend'>;

/** What the Gmail routes need (wired by gateway.ts through openGmail). */
export type GmailApiDeps = Pick<GmailLinks, 'status' | 'start' | 'unlink'>;

/**
 * What this gateway can do, decided by its configuration: the settings page offers only
 * these, so a tenant never picks a mode that can only fail. The same for every caller (no
 * tenant data in it).
 */
/** What the Peppol routes need: the settings store and the secret box's seal (the token is sealed at once). */
export interface PeppolApiDeps {
  readonly store: PeppolStore;
  readonly seal: (plaintext: string, context: string) => string;
}

export interface GatewayCapabilities {
  /** A Google OAuth client is configured (gmail.clientId / clientSecret). */
  readonly gmail: boolean;
  /** An Entra app is configured (microsoft365.clientId / clientSecret). */
  readonly microsoft365?: boolean;
  /** platform.sendingDomain: the domain forwarding mail leaves from; null = a plain relay (the legacy From stays). */
  readonly forwardingDomain: string | null;
  /** Tenant servers may be reached on at least one port (delivery.allowedTenantPorts). */
  readonly ownSmtp: boolean;
  /** privacy.keepClientTrace: the client's Received: line and X-Postbode-Original-From leave with the mail. */
  readonly keepClientTrace: boolean;
}

/** What the sender routes need for the confirmation of "send replies to" (src/feedback/reply-confirmation.ts). */
export type ReplyToConfirmationDeps = Pick<ReplyConfirmation, 'status' | 'onReplyToSaved' | 'resend'>;

/** What the review and resend routes need (wired in gateway.ts through compose/review-api.ts). */
export interface ReviewApiDeps {
  readonly service: ReviewService;
  /** Queues a resend of `message` (to its client recipients, or to `to`) linked to it. */
  readonly resend: (message: QueuedMessage, to: readonly string[] | undefined, now: number) => Promise<QueuedMessage>;
}

/** What the bounce-alert routes need: the settings documents and their defaults (src/feedback/bounce-alerts/). */
export interface BounceAlertApiDeps {
  readonly settings: TenantDocuments<BounceAlertSettings>;
  settingsOf(tenantId: string): BounceAlertSettings;
}
