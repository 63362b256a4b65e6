import type { EventData, EventType } from '../core/events.js';
import type { QueuedMessage } from '../core/types.js';
import { event, putEvents, recipientData, type EventOutbox } from '../queue/event-outbox.js';

/**
 * Webhook events of what comes back (a person's first open, a reply, a complaint), written into
 * the queue's outbox by the store that records the feedback, in its own write transaction.
 */
export interface FeedbackEvents {
  /** Puts the event inside the caller's write transaction (only when the tenant's endpoints want it). */
  add(type: EventType, about: FeedbackSubject): void;
  /** The event as a write of its own; resolves once committed. */
  write(type: EventType, about: FeedbackSubject): Promise<void>;
}

export interface FeedbackSubject {
  readonly message: QueuedMessage;
  readonly recipient: string | undefined;
  readonly at: number;
  readonly extra?: Partial<EventData>;
  /** Stable across a replay of the same inbound mail, so a receiver sees one webhook-id. */
  readonly id?: string;
}

export function feedbackEvents(outbox: EventOutbox): FeedbackEvents {
  const build = (type: EventType, s: FeedbackSubject) => {
    const key = s.recipient?.toLowerCase();
    const r = s.message.recipients.find((x) => x.address.toLowerCase() === key);
    // The delivery's reply line says nothing about an open or a reply: left out.
    const about = r ? recipientData(r) : s.recipient !== undefined ? { recipient: s.recipient } : {};
    const { reply: _reply, ...data } = about;
    return event(type, s.message, s.at, { ...data, ...s.extra }, s.id);
  };
  return {
    add: (type, s) => putEvents(outbox, [build(type, s)]),
    async write(type, s) {
      const e = build(type, s);
      if (outbox.interest(e.tenantId, type)) await outbox.db.put(e.id, e);
    },
  };
}
