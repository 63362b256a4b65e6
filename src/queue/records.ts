import {
  DUE_STATUSES,
  FINAL_STATUSES,
  type DeliveryAttempt,
  type NewMessage,
  type QueuedMessage,
  type RecipientResult,
  type RecipientState,
} from '../core/types.js';
import { replyLine } from '../core/smtp-reply.js';
import { isExpired, nextDelay, type RetryPolicy } from './retry-schedule.js';

/**
 * Pure functions that turn a stored record plus an event into the next record. The LMDB
 * layer only reads, calls one of these, and writes the result, so every rule about states
 * lives here and is tested without a database.
 */

/** Attempts kept per recipient: enough for days of retries, bounded so a record cannot grow forever. */
export const MAX_HISTORY = 100;

export function isPending(r: RecipientState): boolean {
  return !FINAL_STATUSES.has(r.status);
}

/** Appends one entry, keeping the latest MAX_HISTORY. */
export function appendHistory(history: readonly DeliveryAttempt[], entry: DeliveryAttempt): DeliveryAttempt[] {
  return [...history, entry].slice(-MAX_HISTORY);
}

/** The record `enqueue` stores: plain data copied field by field (no caller objects kept). */
export function newRecord(message: NewMessage, size: number): QueuedMessage {
  const recipients: RecipientState[] = message.envelope.to.map((address) => ({
    address,
    ...(message.roles?.[address] ? { role: message.roles[address] } : {}),
    status: 'queued',
    attempts: 0,
    nextAttemptAt: message.receivedAt,
    history: [],
  }));
  const record: QueuedMessage = {
    id: message.id,
    tenantId: message.tenantId,
    kind: message.kind,
    envelope: { from: message.envelope.from, to: [...message.envelope.to] },
    recipients,
    receivedAt: message.receivedAt,
    size,
    client: { address: message.client.address, helo: message.client.helo },
    messageId: message.messageId,
    ...(message.subject === undefined ? {} : { subject: message.subject }),
    ...(message.resentFrom === undefined ? {} : { resentFrom: message.resentFrom }),
  };
  // A message without recipients has nothing to do: it is logged as complete at once.
  return settle(record, recipients, message.receivedAt);
}

/**
 * Applies one delivery attempt's results. Results for unknown or already final recipients are
 * ignored (so a late result for a message cancelled while in flight changes nothing).
 */
export function applyResults(
  msg: QueuedMessage,
  results: readonly RecipientResult[],
  now: number,
  policy: RetryPolicy,
  random: () => number,
): QueuedMessage {
  if (msg.completedAt !== undefined) return msg;
  const byAddress = new Map(results.map((r) => [r.address, r]));
  const recipients = msg.recipients.map((r) => {
    const result = byAddress.get(r.address);
    if (!result || !isPending(r)) return r;
    return applyOne(r, result, msg.receivedAt, now, policy, random);
  });
  return settle(msg, recipients, now);
}

function applyOne(
  r: RecipientState,
  result: RecipientResult,
  receivedAt: number,
  now: number,
  policy: RetryPolicy,
  random: () => number,
): RecipientState {
  const attempts = r.attempts + 1;
  // The storage edge: the typed reply is kept as the one line the history has always held.
  const reply = replyLine(result.reply);
  const entry: DeliveryAttempt = {
    at: now,
    outcome: result.outcome,
    reply,
    ...(result.nextHop === undefined ? {} : { nextHop: result.nextHop }),
    ...(result.tls === undefined ? {} : { tls: result.tls }),
  };
  const history = appendHistory(r.history, entry);
  const next = { ...r, attempts, history, lastReply: reply };
  if (result.outcome !== 'deferred') return { ...next, status: result.outcome };
  // Held while this attempt was in flight: the admin's hold wins over the retry schedule.
  if (r.status === 'held') return next;
  // Too old to try again: give up now rather than schedule an attempt past the deadline.
  if (isExpired(receivedAt, now, policy.maxAgeMs)) return { ...next, status: 'expired' };
  // The remote said when (Retry-After, a daily limit): never earlier than that.
  const scheduled = now + nextDelay(attempts, policy, random);
  return {
    ...next,
    status: 'deferred',
    nextAttemptAt: result.notBefore === undefined ? scheduled : Math.max(scheduled, result.notBefore),
  };
}

/** Marks the listed recipients that are still pending as expired, with `reason` as their last reply. */
export function applyExpiry(
  msg: QueuedMessage,
  addresses: readonly string[],
  now: number,
  reason: string,
): QueuedMessage {
  if (msg.completedAt !== undefined) return msg;
  const targets = new Set(addresses);
  const recipients = msg.recipients.map((r) =>
    targets.has(r.address) && isPending(r) ? { ...r, status: 'expired' as const, lastReply: reason } : r,
  );
  return settle(msg, recipients, now);
}

/** The message with these recipients, marked complete at `now` once none is pending. */
export function settle(msg: QueuedMessage, recipients: readonly RecipientState[], now: number): QueuedMessage {
  const done = recipients.every((r) => !isPending(r));
  return { ...msg, recipients, ...(done ? { completedAt: now } : {}) };
}

/** Which index a pending message sits in, and under which key; undefined when complete. */
export interface Placement {
  readonly index: 'incoming' | 'deferred' | 'held';
  readonly key: [number, string];
}

/**
 * Never-attempted mail sits in `incoming` by arrival; anything attempted once sits in
 * `deferred` by its earliest due nextAttemptAt. Two indexes so that a deferred backlog
 * never stands in front of fresh mail. A message whose pending recipients are all held sits
 * in `held` (by heldAt), which no due() reads: it is only there to be counted at open.
 */
export function placement(msg: QueuedMessage): Placement | undefined {
  const pending = msg.recipients.filter(isPending);
  if (msg.completedAt !== undefined || pending.length === 0) return undefined;
  const due = pending.filter((r) => DUE_STATUSES.has(r.status));
  if (due.length === 0) return { index: 'held', key: [msg.heldAt ?? msg.receivedAt, msg.id] };
  if (msg.recipients.every((r) => r.attempts === 0)) {
    return { index: 'incoming', key: [msg.receivedAt, msg.id] };
  }
  const dueAt = Math.min(...due.map((r) => r.nextAttemptAt));
  return { index: 'deferred', key: [dueAt, msg.id] };
}

export function samePlacement(a: Placement | undefined, b: Placement | undefined): boolean {
  return a?.index === b?.index && a?.key[0] === b?.key[0] && a?.key[1] === b?.key[1];
}

/** What the `completed` index keeps per message, so that summary() need not read the records. */
export interface CompletedEntry {
  readonly tenantId: string;
  readonly delivered: number;
  /** Bounced and expired recipients: both got (or would get) a DSN. */
  readonly bounced: number;
}

export function completedEntry(msg: QueuedMessage): CompletedEntry {
  const count = (pred: (r: RecipientState) => boolean): number => msg.recipients.filter(pred).length;
  return {
    tenantId: msg.tenantId,
    delivered: count((r) => r.status === 'delivered'),
    bounced: count((r) => r.status === 'bounced' || r.status === 'expired'),
  };
}
