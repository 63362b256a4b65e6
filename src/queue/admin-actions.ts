import { GatewayError } from '../core/gateway-error.js';
import { DUE_STATUSES, type AdminAction, type QueuedMessage, type RecipientState } from '../core/types.js';
import { appendHistory, isPending, settle } from './records.js';

/**
 * Pure record changes for the admin's queue actions (retry now, hold, release, cancel).
 * Each touches the recipients it applies to and adds one history entry to each of them
 * (`{ at, outcome: action, reply: reason }`), so the message log shows who paused what when.
 * An action that applies to no recipient throws GatewayError E_CONFLICT; the LMDB layer
 * calls these before writing anything, so a refusal writes nothing.
 */

export const DEFAULT_REASONS: Readonly<Record<Exclude<AdminAction, 'cancelled'>, string>> = {
  retried: 'retry requested by an administrator',
  held: 'held by an administrator',
  released: 'released by an administrator',
};

const isHeld = (r: RecipientState): boolean => r.status === 'held';
const isDue = (r: RecipientState): boolean => DUE_STATUSES.has(r.status);

/** Queued and deferred recipients become due at `now`; held and final ones are left alone. */
export function applyRetryNow(msg: QueuedMessage, now: number, reason = DEFAULT_REASONS.retried): QueuedMessage {
  const why = msg.recipients.some(isHeld) ? 'its recipients are held: release it instead' : 'nothing to retry';
  return act(msg, 'retried', now, reason, isDue, why, (r) => ({ ...r, nextAttemptAt: now }));
}

/** Every pending recipient becomes held: in no due index until release() or cancel(). */
export function applyHold(msg: QueuedMessage, now: number, reason = DEFAULT_REASONS.held): QueuedMessage {
  const next = act(msg, 'held', now, reason, isDue, 'it is already held', (r) => ({ ...r, status: 'held' }));
  return { ...next, heldAt: now };
}

/**
 * Held recipients become due at `now`. Their status before the hold need not be stored: a
 * pending recipient is `queued` exactly when it was never attempted, else `deferred`.
 */
export function applyRelease(msg: QueuedMessage, now: number, reason = DEFAULT_REASONS.released): QueuedMessage {
  const next = act(msg, 'released', now, reason, isHeld, 'it is not held', (r) => ({
    ...r,
    status: r.attempts === 0 ? 'queued' : 'deferred',
    nextAttemptAt: now,
  }));
  return withoutHeldAt(next);
}

/**
 * Every recipient not yet final becomes `cancelled` with `reason` as its last reply, and the
 * message completes (its body stays until purgeCompleted, like any completed message).
 * Cancelling sends no DSN: the admin chose to drop the mail.
 */
export function applyCancel(msg: QueuedMessage, now: number, reason: string): QueuedMessage {
  const next = act(msg, 'cancelled', now, reason, isPending, 'nothing to cancel', (r) => ({
    ...r,
    status: 'cancelled',
    lastReply: reason,
  }));
  return withoutHeldAt(next);
}

function act(
  msg: QueuedMessage,
  action: AdminAction,
  now: number,
  reason: string,
  applies: (r: RecipientState) => boolean,
  whyNot: string,
  change: (r: RecipientState) => RecipientState,
): QueuedMessage {
  if (msg.completedAt !== undefined) {
    throw new GatewayError(
      'E_CONFLICT',
      `message ${msg.id} is complete (every recipient is final): cannot ${verb(action)} it`,
    );
  }
  if (!msg.recipients.some(applies)) {
    throw new GatewayError('E_CONFLICT', `cannot ${verb(action)} message ${msg.id}: ${whyNot}`);
  }
  const entry = { at: now, outcome: action, reply: reason };
  const recipients = msg.recipients.map((r) =>
    applies(r) ? { ...change(r), history: appendHistory(r.history, entry) } : r,
  );
  return settle(msg, recipients, now);
}

function withoutHeldAt(msg: QueuedMessage): QueuedMessage {
  const { heldAt: _heldAt, ...rest } = msg;
  return rest;
}

function verb(action: AdminAction): string {
  return { retried: 'retry', held: 'hold', released: 'release', cancelled: 'cancel' }[action];
}
