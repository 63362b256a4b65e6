import type { Database } from 'lmdb';
import type { Storage } from '../../store/storage.js';
import { explainOpen, type OpenClass } from './classify-open.js';
import type { MaybePromise, QueuedMessage } from '../../core/types.js';
import type { FeedbackEvents } from '../feedback-events.js';

/** A person's first open becomes a `message.opened` webhook event, written with the open record. */
export interface OpenEvents {
  readonly events: FeedbackEvents;
  /** Read before the open's transaction: a shared queue answers over the network. */
  readonly message: (queueId: string) => MaybePromise<QueuedMessage | undefined>;
}

/**
 * Opens per message and recipient (`opens/…` in the storage). One small record per recipient,
 * updated in one transaction per pixel fetch: first and last open, counts per class, the
 * last user agent and why it was classified so.
 */
export interface OpenRecord {
  readonly firstOpenAt: number;
  readonly lastOpenAt: number;
  readonly count: number;
  readonly humanOpens: number;
  readonly automatedOpens: number;
  readonly firstHumanOpenAt?: number;
  /** Truncated; never anything else from the request. */
  readonly lastUserAgent?: string;
  readonly lastClass: OpenClass;
  readonly lastReason: string;
}

export type OpenStatus = 'read' | 'opened (probably automated)';

export interface OpenEventInput {
  readonly messageId: string;
  readonly recipient: string;
  readonly userAgent?: string | undefined;
  readonly openedAt: number;
  readonly deliveredAt?: number | undefined;
}

export interface OpenReader {
  /** Every recipient's record for one message, by address. */
  forMessage(messageId: string): Record<string, OpenRecord>;
  /**
   * Reads these messages' opens into memory for `forMessage` (a shared database answers over the network);
   * absent where `forMessage` reads the store itself.
   */
  load?(messageIds: readonly string[]): Promise<void>;
}

export interface OpenStore extends OpenReader {
  record(event: OpenEventInput): Promise<OpenRecord>;
  close(): Promise<void>;
}

const MAX_USER_AGENT = 300;
/** Recipients per message read back at most: bounds a range read. */
const MAX_RECIPIENTS = 1000;

/** Read as soon as a human opened it; "opened (probably automated)" when only machines did. */
export function openStatus(record: OpenRecord): OpenStatus {
  return record.humanOpens > 0 ? 'read' : 'opened (probably automated)';
}

export function openStoreKey(messageId: string, recipient: string): string {
  return `${messageId}\u0000${recipient.toLowerCase()}`;
}

export function nextRecord(current: OpenRecord | undefined, event: OpenEventInput): OpenRecord {
  const verdict = explainOpen(event);
  const human = verdict.kind === 'human';
  const ua = event.userAgent?.slice(0, MAX_USER_AGENT);
  const firstHuman = current?.firstHumanOpenAt ?? (human ? event.openedAt : undefined);
  return {
    firstOpenAt: current?.firstOpenAt ?? event.openedAt,
    lastOpenAt: event.openedAt,
    count: (current?.count ?? 0) + 1,
    humanOpens: (current?.humanOpens ?? 0) + (human ? 1 : 0),
    automatedOpens: (current?.automatedOpens ?? 0) + (human ? 0 : 1),
    ...(firstHuman !== undefined ? { firstHumanOpenAt: firstHuman } : {}),
    ...(ua !== undefined && ua !== '' ? { lastUserAgent: ua } : {}),
    lastClass: verdict.kind,
    lastReason: verdict.reason,
  };
}

export function openOpenStore(storage: Storage, events?: OpenEvents): OpenStore {
  const root = storage.open('opens');
  const opens: Database<OpenRecord, string> = root.openDB({ name: 'opens', encoding: 'json' });
  return {
    async record(event) {
      const key = openStoreKey(event.messageId, event.recipient);
      const message = events ? await events.message(event.messageId) : undefined;
      return await root.childTransaction(() => {
        const current = opens.get(key);
        const next = nextRecord(current, event);
        opens.putSync(key, next);
        if ((current?.humanOpens ?? 0) === 0 && next.humanOpens > 0) firstHumanOpen(events, message, event);
        return next;
      });
    },
    forMessage(messageId) {
      const out: Record<string, OpenRecord> = {};
      const prefix = `${messageId}\u0000`;
      for (const { key, value } of opens.getRange({
        start: prefix,
        end: `${messageId}\u0001`,
        limit: MAX_RECIPIENTS,
      })) {
        out[key.slice(prefix.length)] = value;
      }
      return out;
    },
    async close() {
      await root.close();
    },
  };
}

/** Machines' opens (scanners, privacy proxies) never make an event: only the first open by a person. */
function firstHumanOpen(
  events: OpenEvents | undefined,
  message: QueuedMessage | undefined,
  open: OpenEventInput,
): void {
  if (!events || !message) return;
  events.events.add('message.opened', { message, recipient: open.recipient, at: open.openedAt });
}
