import type { LogNote, QueuedMessage, RecipientState } from '../core/types.js';
import { guardBatch } from '../store/lmdb-close.js';
import type { QueueStores } from './lmdb-store.js';
import { appendHistory, completedEntry } from './records.js';
import { eventsOfChange, putEvents, wantsOf } from './event-outbox.js';

/**
 * What the inbound MX learns after delivery (src/feedback/): a recipient that was `delivered` (to
 * the next hop) bounced later, or a note (a "delayed" DSN, an auto-reply) for its history.
 * Pure record changes plus one LMDB transaction that writes them; the `completed` index
 * entry (today's counts) is rewritten with the record, so summary() stays right.
 */

/** The recipient index of `address` (case-insensitive), or -1. */
function indexOf(msg: QueuedMessage, address: string): number {
  const key = address.toLowerCase();
  return msg.recipients.findIndex((r) => r.address.toLowerCase() === key);
}

function withRecipient(msg: QueuedMessage, index: number, next: RecipientState): QueuedMessage {
  return { ...msg, recipients: msg.recipients.map((r, i) => (i === index ? next : r)) };
}

/**
 * `delivered` → `bounced` with the remote's reason. A recipient already bounced keeps its
 * state (the same DSN twice changes nothing); a pending one is left to its own attempts.
 */
export function applyLateBounce(
  msg: QueuedMessage,
  address: string,
  reply: string,
  now: number,
): QueuedMessage | undefined {
  const index = indexOf(msg, address);
  const r = msg.recipients[index];
  if (!r) return undefined;
  if (r.status !== 'delivered') return msg;
  const history = appendHistory(r.history, { at: now, outcome: 'bounced', reply, nextHop: 'dsn' });
  return withRecipient(msg, index, { ...r, status: 'bounced', lastReply: reply, history });
}

/** A history entry; the status stays. */
export function applyNote(
  msg: QueuedMessage,
  address: string,
  note: LogNote,
  reply: string,
  now: number,
): QueuedMessage | undefined {
  const index = indexOf(msg, address);
  const r = msg.recipients[index];
  if (!r) return undefined;
  return withRecipient(msg, index, { ...r, history: appendHistory(r.history, { at: now, outcome: note, reply }) });
}

/**
 * Read-modify-write of one message in one transaction. Only final recipients change state
 * here, so the due/held indexes never move; a complete message's `completed` entry is
 * rewritten under its same key.
 */
export async function changeLate(
  stores: QueueStores,
  id: string,
  next: (msg: QueuedMessage) => QueuedMessage | undefined,
  now = Date.now(),
): Promise<QueuedMessage | undefined> {
  const done = stores.root.transaction((): QueuedMessage | undefined => {
    const before = stores.messages.get(id);
    if (!before) return undefined;
    const after = next(before);
    if (!after || after === before) return after;
    void stores.messages.put(id, after);
    if (after.completedAt !== undefined) void stores.completed.put([after.completedAt, id], completedEntry(after));
    putEvents(stores.outbox, eventsOfChange(before, after, now, wantsOf(stores.outbox, after.tenantId)));
    return after;
  });
  guardBatch(stores.root);
  return done;
}
