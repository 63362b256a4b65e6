import type { Database, RootDatabase } from 'lmdb';
import { closeSettled } from '../store/lmdb-close.js';
import type { Storage } from '../store/storage.js';
import type { MaybePromise, QueuedMessage } from '../core/types.js';
import type { FeedbackEvents } from './feedback-events.js';

/** A complaint becomes a `message.complaint` webhook event, written with the complaint record. */
export interface ComplaintEvents {
  readonly events: FeedbackEvents;
  /** Read before the complaint's transaction: a shared queue answers over the network. */
  readonly message: (queueId: string) => MaybePromise<QueuedMessage | undefined>;
}

/** One complaint (a recipient marked a tenant's message as spam), as a receiver's feedback loop reported it. */
export interface Complaint {
  readonly at: number;
  readonly queueId: string;
  /** The complaining recipient, when the report let us know it. */
  readonly recipient?: string;
  readonly feedbackType: string;
}

export interface ComplaintSummary {
  readonly lastDay: number;
  readonly last30Days: number;
  /** Newest first, at most 20. */
  readonly recent: readonly Complaint[];
}

export interface ComplaintReader {
  summary(tenantId: string, now: number): ComplaintSummary;
}

export interface ComplaintStore extends ComplaintReader {
  record(tenantId: string, complaint: Complaint): Promise<void>;
  tenantIds(): Set<string>;
  forget(tenantId: string): Promise<number>;
  close(): Promise<void>;
}

const DAY_MS = 86_400_000;
/** Complaints are kept this long: Gmail and Yahoo judge the rate over the last 30 days at most. */
export const KEEP_MS = 30 * DAY_MS;
const RECENT = 20;
/** A bound for one tenant's scan: far more complaints than a tenant sending invoices gets in 30 days. */
const SCAN_MAX = 100_000;

/** The complaint-rate view of a tenant's complaints of the last 30 days, oldest first (either engine). */
export function summarise(all: readonly Complaint[], now: number): ComplaintSummary {
  return {
    lastDay: all.filter((c) => c.at >= now - DAY_MS).length,
    last30Days: all.length,
    recent: all.slice(-RECENT).reverse(),
  };
}

/** `<tenant>\n<at, 15 digits>\n<queue id>`: one tenant's complaints adjacent, oldest first. */
const keyOf = (tenantId: string, c: Complaint): string =>
  `${tenantId}\n${String(c.at).padStart(15, '0')}\n${c.queueId}\n${c.recipient ?? ''}`;
const tenantOf = (key: string): string => key.slice(0, key.indexOf('\n'));

/**
 * Complaints per tenant in their own named database (`complaints/…` in the storage), kept 30 days: what the
 * complaint-rate view reads. Older entries of a tenant go when it records a new one.
 */
export function openComplaintStore(storage: Storage, events?: ComplaintEvents): ComplaintStore {
  const root: RootDatabase = storage.open('complaints');
  const db: Database<Complaint, string> = root.openDB('complaints', { encoding: 'msgpack' });
  const range = (tenantId: string, from = 0) =>
    db.getRange({ start: `${tenantId}\n${String(from).padStart(15, '0')}`, end: `${tenantId}\u000b`, limit: SCAN_MAX });
  return {
    async record(tenantId, complaint) {
      const message = events ? await events.message(complaint.queueId) : undefined;
      await db.transaction(() => {
        for (const { key, value } of range(tenantId))
          if (value.at < complaint.at - KEEP_MS) db.removeSync(key);
          else break;
        db.putSync(keyOf(tenantId, complaint), complaint);
        if (message?.tenantId === tenantId) {
          const extra = { feedbackType: complaint.feedbackType };
          events?.events.add('message.complaint', { message, recipient: complaint.recipient, at: complaint.at, extra });
        }
      });
    },
    summary: (tenantId, now) =>
      summarise(
        [...range(tenantId, now - KEEP_MS)].map((e) => e.value),
        now,
      ),
    tenantIds() {
      const ids = new Set<string>();
      for (const key of db.getKeys({ limit: SCAN_MAX })) ids.add(tenantOf(key));
      return ids;
    },
    async forget(tenantId) {
      return db.transaction(() => {
        let n = 0;
        for (const { key } of range(tenantId)) {
          db.removeSync(key);
          n++;
        }
        return n;
      });
    },
    // One more (no-op) write first: a batch that failed before (disk full) is settled (store/lmdb-close.ts).
    close: () => closeSettled(root, db.remove('\u0000none')),
  };
}
