import type { DeliveryAttempt, QueuedMessage, RecipientState } from '../core/types.js';

/**
 * The state a tenant reads in the message log, derived from what the queue and the feedback
 * already record (a recipient's status and history, its pixel opens). Pure: no store, no clock
 * of its own.
 *
 * - queued: accepted, not yet attempted; held: waiting for review or an admin;
 * - deferred: the next hop answered 4xx (or could not be reached), or a relay reported a delay; retried;
 * - sent: the next hop accepted it with 250, and that hop is a relay (smarthost, the tenant's own
 *   server, Gmail, Microsoft 365) that may still bounce it;
 * - delivered: the receiving mail server itself accepted it (direct mode, or the dev mailbox), or a
 *   relay accepted it and no bounce or delay came back within DELIVERED_AFTER_MS;
 * - read: a person opened it (the tracking pixel, automated fetches not counted);
 * - replied: the client answered it (a reply matched to it at the inbound MX, auto-replies not counted);
 * - bounced: refused for good (5xx, a late bounce, or retries given up: expired);
 * - cancelled: stopped by the tenant or an admin before it left.
 */
export type PlainState =
  | 'queued'
  | 'held'
  | 'deferred'
  | 'sent'
  | 'delivered'
  | 'read'
  | 'replied'
  | 'bounced'
  | 'cancelled';

export const PLAIN_STATES: readonly PlainState[] = [
  'queued',
  'held',
  'deferred',
  'sent',
  'delivered',
  'read',
  'replied',
  'bounced',
  'cancelled',
];

/**
 * How long a relay's 250 stays "sent": relays that cannot deliver send their first "delayed"
 * report after about four hours (Postfix's delay_warning_time, Exchange), and a 5.1.1 bounce well
 * before that.
 */
export const DELIVERED_AFTER_MS = 4 * 3_600_000;

/** What the feedback knows of one recipient beyond its queue record. */
export interface RecipientFeedback {
  /** When a person first opened it (the pixel), if ever. */
  readonly firstReadAt?: number | undefined;
}

export interface PlainEvent {
  readonly at: number;
  readonly state: PlainState;
  /** The reply or reason behind it, as recorded. */
  readonly detail: string;
}

export interface RecipientPlainState {
  readonly state: PlainState;
  readonly history: readonly PlainEvent[];
}

/** A 250 from the receiving server itself: a direct MX hop (`mx.example[192.0.2.1]:25`) or the dev mailbox. */
export function acceptedByReceiver(entry: DeliveryAttempt): boolean {
  const hop = entry.nextHop ?? '';
  return hop === 'capture' || /\[[^\]]+\]:\d+$/.test(hop);
}

function eventOf(entry: DeliveryAttempt): PlainEvent | undefined {
  const at = entry.at;
  const detail = entry.reply;
  switch (entry.outcome) {
    case 'delivered':
      return { at, state: acceptedByReceiver(entry) ? 'delivered' : 'sent', detail };
    case 'deferred':
    case 'delayed':
      return { at, state: 'deferred', detail };
    case 'bounced':
      return { at, state: 'bounced', detail };
    case 'held':
      return { at, state: 'held', detail };
    case 'released':
    case 'retried':
      return { at, state: 'queued', detail };
    case 'cancelled':
      return { at, state: 'cancelled', detail };
    case 'replied':
      return { at, state: 'replied', detail };
    default:
      return undefined; // an auto-reply is a note, not a state
  }
}

/** The plain history of one recipient, oldest first: queue and feedback events, with "read" and "delivered" added. */
export function recipientHistory(
  receivedAt: number,
  r: RecipientState,
  feedback: RecipientFeedback,
  now: number,
): PlainEvent[] {
  const events: PlainEvent[] = [{ at: receivedAt, state: 'queued', detail: 'accepted from the client' }];
  for (const entry of r.history) {
    const event = eventOf(entry);
    if (event) events.push(event);
  }
  if (r.status === 'expired') {
    events.push({ at: events.at(-1)?.at ?? receivedAt, state: 'bounced', detail: r.lastReply ?? 'expired' });
  }
  const lastSent = [...events].reverse().find((e) => e.state === 'sent');
  const later = (e: PlainEvent): boolean => lastSent !== undefined && e.at >= lastSent.at && e !== lastSent;
  if (lastSent && r.status === 'delivered' && !events.some((e) => later(e) && e.state === 'deferred')) {
    const at = lastSent.at + DELIVERED_AFTER_MS;
    if (at <= now) events.push({ at, state: 'delivered', detail: 'no bounce came back' });
  }
  if (feedback.firstReadAt !== undefined) events.push({ at: feedback.firstReadAt, state: 'read', detail: 'opened' });
  return events.sort((a, b) => a.at - b.at);
}

const PROGRESS: readonly PlainState[] = ['sent', 'delivered', 'read', 'replied'];

/** The recipient's state now: its status decides, the feedback moves a delivered one further on. */
export function recipientState(
  receivedAt: number,
  r: RecipientState,
  feedback: RecipientFeedback,
  now: number,
): RecipientPlainState {
  const history = recipientHistory(receivedAt, r, feedback, now);
  return { state: stateOf(r, history), history };
}

function stateOf(r: RecipientState, history: readonly PlainEvent[]): PlainState {
  switch (r.status) {
    case 'queued':
      return 'queued';
    case 'held':
      return 'held';
    case 'cancelled':
      return 'cancelled';
    case 'bounced':
    case 'expired':
      return 'bounced';
    case 'deferred':
      return 'deferred';
    case 'delivered':
      return furthest(history);
  }
}

/** The furthest progress reached; a relay's delay report after its 250 makes it deferred again. */
function furthest(history: readonly PlainEvent[]): PlainState {
  let best = -1;
  for (const e of history) best = Math.max(best, PROGRESS.indexOf(e.state));
  const lastSent = history.findLastIndex((e) => e.state === 'sent' || e.state === 'delivered');
  const delayedAfter = history.slice(lastSent + 1).some((e) => e.state === 'deferred');
  if (delayedAfter && best < PROGRESS.indexOf('read')) return 'deferred';
  return PROGRESS[Math.max(0, best)] ?? 'sent';
}

/**
 * The message's state, from its client recipients (all recipients when it has none): a bounce
 * first (it needs the tenant), then anything still pending (held, deferred, queued), then the
 * furthest progress any of them reached; cancelled only when every one was.
 */
export function messageState(states: readonly PlainState[]): PlainState {
  for (const s of ['bounced', 'held', 'deferred', 'queued'] as const) if (states.includes(s)) return s;
  let best = -1;
  for (const s of states) best = Math.max(best, PROGRESS.indexOf(s));
  return best >= 0 ? (PROGRESS[best] ?? 'sent') : 'cancelled';
}

/** Recipients whose state makes the message's: the client's own, or all when there is no client recipient. */
export function stateRecipients(msg: QueuedMessage): readonly RecipientState[] {
  const clients = msg.recipients.filter((r) => r.role === undefined || r.role === 'client');
  return clients.length > 0 ? clients : msg.recipients;
}

/** Per recipient and for the message; `feedbackOf` gives what the feedback knows of an address. */
export function plainStateOf(
  msg: QueuedMessage,
  feedbackOf: (address: string) => RecipientFeedback,
  now: number,
): { readonly state: PlainState; readonly recipients: Readonly<Record<string, RecipientPlainState>> } {
  const recipients: Record<string, RecipientPlainState> = {};
  for (const r of msg.recipients) recipients[r.address] = recipientState(msg.receivedAt, r, feedbackOf(r.address), now);
  const states = stateRecipients(msg).map((r) => recipients[r.address]?.state ?? 'queued');
  return { state: messageState(states), recipients };
}
