import type { RecipientRole } from './types.js';

/**
 * What happened to a tenant's mail, as its webhooks receive it. The queue writes these into its
 * outbox in the same transaction as the state change they describe (queue/event-outbox.ts), the
 * inbound feedback stores in the transaction that records the open, reply or complaint; the
 * webhook dispatcher (src/webhooks/) delivers them. Plain data, stored as it is.
 */
export const EVENT_TYPES = [
  'message.accepted',
  'message.delivered',
  'message.deferred',
  'message.bounced',
  'message.opened',
  'message.replied',
  'message.held',
  'message.released',
  'message.cancelled',
  'message.complaint',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** The test event the settings page and POST …/test send; never written by the queue. */
export const TEST_EVENT_TYPE = 'webhook.test';

/** Every event's `data`; which optional fields are set depends on the type (docs/webhooks.md). */
export interface EventData {
  /** Our queue id of the message. */
  readonly queueId: string;
  /** The Message-ID header the message left with (angle brackets included). */
  readonly messageId: string;
  readonly subject?: string;
  /** The recipient an event about one recipient is about. */
  readonly recipient?: string;
  readonly role?: RecipientRole;
  /** The recipients a message-wide event (accepted, held, released, cancelled) applies to. */
  readonly recipients?: readonly string[];
  /** The invoice or other document's number, when the content stage found one. */
  readonly documentNumber?: string;
  /** The next hop's reply line (delivered, deferred, bounced), or the reason of an admin action. */
  readonly reply?: string;
  /** Delivery attempts so far (delivered, deferred, bounced). */
  readonly attempts?: number;
  /** Deferred: when the next attempt is due (ISO 8601). */
  readonly nextAttemptAt?: string;
  /** Bounced: `expired` when the queue gave up (too old), else the remote's refusal. */
  readonly bounceKind?: 'rejected' | 'expired' | 'late';
  /** Complaint: the report's Feedback-Type. */
  readonly feedbackType?: string;
}

export interface GatewayEvent {
  /** Time-ordered unique id (core/ids.ts); the `webhook-id` a receiver de-duplicates on. */
  readonly id: string;
  readonly type: EventType | typeof TEST_EVENT_TYPE;
  readonly tenantId: string;
  /** When it happened, ms since epoch. */
  readonly at: number;
  readonly data: EventData;
}

/** Which tenants want which events; asked inside write transactions, so it must answer from memory. */
export type EventInterest = (tenantId: string, type: EventType) => boolean;

export const NO_INTEREST: EventInterest = () => false;
