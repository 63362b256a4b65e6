import type { Database, RootDatabase } from 'lmdb';
import type { EventData, EventInterest, EventType, GatewayEvent } from '../core/events.js';
import { newQueueId } from '../core/ids.js';
import type { QueuedMessage, RecipientState } from '../core/types.js';
import type { Storage } from '../store/storage.js';

/**
 * The durable outbox of webhook events (`queue/event-outbox`: event id → GatewayEvent). The
 * queue puts a state change's events here inside the transaction that writes the change, so a
 * crash keeps both or neither; the dispatcher (src/webhooks/) moves them out in a transaction
 * of its own. Only events some endpoint of the tenant wants are written (`interest`, from
 * memory), so a tenant without webhooks costs nothing.
 */
export interface EventOutbox {
  readonly db: Database<GatewayEvent, string>;
  readonly interest: EventInterest;
}

export const OUTBOX_DB = 'event-outbox';

export function openOutboxDb(root: RootDatabase): Database<GatewayEvent, string> {
  return root.openDB<GatewayEvent, string>(OUTBOX_DB, { encoding: 'msgpack' });
}

/** The outbox as its reader (the dispatcher) opens it: the queue's database in the same environment. */
export function openEventOutbox(storage: Storage): {
  readonly root: RootDatabase;
  readonly db: Database<GatewayEvent, string>;
} {
  const root = storage.open('queue');
  return { root, db: openOutboxDb(root) };
}

/** Puts the events inside the caller's transaction (or event turn); never throws for an empty list. */
export function putEvents(outbox: EventOutbox | undefined, events: readonly GatewayEvent[]): void {
  if (!outbox) return;
  for (const event of events) {
    if (event.type !== 'webhook.test' && outbox.interest(event.tenantId, event.type))
      void outbox.db.put(event.id, event);
  }
}

/** Which types the message's tenant wants, asked before an event is built: no work for tenants without webhooks. */
export type Wants = (type: EventType) => boolean;

const ALL: Wants = () => true;

/** `wants` for one tenant from the outbox's interest; nothing without an outbox. */
export function wantsOf(outbox: EventOutbox | undefined, tenantId: string): Wants {
  return outbox ? (type) => outbox.interest(tenantId, type) : () => false;
}

/** `wants` for one tenant from an interest (the PostgreSQL queue's, whose outbox is a table); nothing without one. */
export function wantsFrom(interest: EventInterest | undefined, tenantId: string): Wants {
  return interest ? (type) => interest(tenantId, type) : () => false;
}

/** A new message: `message.accepted` (client mail only: DSNs and forwarded replies are ours). */
export function eventsOfInsert(record: QueuedMessage, wants: Wants = ALL): GatewayEvent[] {
  if (record.kind !== 'mail' || !wants('message.accepted')) return [];
  const recipients = record.recipients.map((r) => r.address);
  return [event('message.accepted', record, record.receivedAt, { recipients })];
}

/** What a state change means for webhooks: per recipient outcomes, per message admin actions. */
export function eventsOfChange(
  before: QueuedMessage,
  after: QueuedMessage,
  now: number,
  wants: Wants = ALL,
): GatewayEvent[] {
  if (after.kind !== 'mail') return [];
  const out: GatewayEvent[] = [];
  const moved: Record<'message.held' | 'message.released' | 'message.cancelled', string[]> = {
    'message.held': [],
    'message.released': [],
    'message.cancelled': [],
  };
  after.recipients.forEach((r, i) => {
    const was = before.recipients[i];
    if (!was || was.address !== r.address) return;
    const outcome = recipientEvent(was, r);
    if (outcome && wants(outcome.type))
      out.push(event(outcome.type, after, now, { ...recipientData(r), ...outcome.data }));
    const action = actionOf(was, r);
    if (action) moved[action].push(r.address);
  });
  for (const [type, recipients] of Object.entries(moved) as [keyof typeof moved, string[]][]) {
    if (recipients.length === 0 || !wants(type)) continue;
    const reply = after.recipients.find((r) => r.address === recipients[0])?.history.at(-1)?.reply;
    out.push(event(type, after, now, { recipients, ...(reply ? { reply } : {}) }));
  }
  return out;
}

type Outcome = { readonly type: EventType; readonly data: Partial<EventData> };

function recipientEvent(was: RecipientState, r: RecipientState): Outcome | undefined {
  const attempted = r.attempts > was.attempts;
  if (r.status === 'delivered' && was.status !== 'delivered') return { type: 'message.delivered', data: {} };
  if (r.status === 'bounced' && was.status !== 'bounced') {
    return { type: 'message.bounced', data: { bounceKind: was.status === 'delivered' ? 'late' : 'rejected' } };
  }
  if (r.status === 'expired' && was.status !== 'expired') {
    return { type: 'message.bounced', data: { bounceKind: 'expired' } };
  }
  if (attempted && (r.status === 'deferred' || r.status === 'held')) {
    return { type: 'message.deferred', data: r.status === 'deferred' ? { nextAttemptAt: iso(r.nextAttemptAt) } : {} };
  }
  return undefined;
}

function actionOf(was: RecipientState, r: RecipientState): keyof typeof ACTIONS | undefined {
  if (r.status === 'held' && was.status !== 'held') return 'message.held';
  if (was.status === 'held' && (r.status === 'queued' || r.status === 'deferred')) return 'message.released';
  if (r.status === 'cancelled' && was.status !== 'cancelled') return 'message.cancelled';
  return undefined;
}

const ACTIONS = { 'message.held': 1, 'message.released': 1, 'message.cancelled': 1 } as const;

export function recipientData(r: RecipientState): Partial<EventData> {
  return {
    recipient: r.address,
    role: r.role ?? 'client',
    attempts: r.attempts,
    ...(r.lastReply !== undefined ? { reply: r.lastReply } : {}),
  };
}

/**
 * One event about `msg`; the id sorts by `at`, so the outbox drains oldest first. A caller that may
 * write the same event again after a crash (the MX replays its inbox) gives a stable `id`.
 */
export function event(
  type: EventType,
  msg: QueuedMessage,
  at: number,
  data: Partial<EventData>,
  id: string = newQueueId(at),
): GatewayEvent {
  const base: EventData = {
    queueId: msg.id,
    messageId: msg.messageId,
    ...(msg.subject !== undefined ? { subject: msg.subject } : {}),
  };
  return { id, type, tenantId: msg.tenantId, at, data: { ...base, ...data } };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
