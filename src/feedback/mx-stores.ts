import type { Database, RootDatabase } from 'lmdb';
import type { Storage } from '../store/storage.js';
import { GatewayError } from '../core/gateway-error.js';
import { closeSettled } from '../store/lmdb-close.js';
import type { Envelope } from '../core/types.js';
import type { ReplyTarget, SuppressionEntry } from './mx-records.js';

/** A message the MX accepted and has not processed yet (its body is in `bodies` under the same id). */
export interface InboxEntry {
  readonly id: string;
  readonly receivedAt: number;
  readonly envelope: Envelope;
  readonly client: { readonly address: string; readonly helo: string };
}

/** Hard bounces counted per tenant and address until the threshold puts the address on the list. */
export interface BounceCount {
  readonly count: number;
  readonly lastAt: number;
}

/** A Message-ID a tenant sent: which message, and when it was first planned for delivery. */
export interface SentEntry {
  readonly queueId: string;
  readonly at: number;
}

/**
 * The MX's named databases (`mx/…` in the storage), default sync options (never noSync):
 * - inbox / bodies: accepted messages until processed (then deleted: what matters was
 *   written to the queue, or the message was dropped)
 * - suppressions, bounces: keyed `<tenantId>/<address in lower case>`
 * - sent (keyed `<tenantId>/<Message-ID in lower case, without <>>`) and sentAt (keyed
 *   [at, that key], for the purge): what a reply may answer (sent-index.ts)
 * - reply-targets, keyed by tenant id: the confirmation of its "send replies to" address
 */
export interface MxStores {
  readonly root: RootDatabase;
  readonly inbox: Database<InboxEntry, string>;
  readonly bodies: Database<Buffer, string>;
  readonly suppressions: Database<SuppressionEntry, string>;
  readonly bounces: Database<BounceCount, string>;
  readonly sent: Database<SentEntry, string>;
  readonly sentAt: Database<true, [number, string]>;
  readonly replyTargets: Database<ReplyTarget, string>;
}

export function openMxStores(storage: Storage): MxStores {
  try {
    const root = storage.open('mx');
    return {
      root,
      inbox: root.openDB<InboxEntry, string>('inbox', { encoding: 'msgpack' }),
      bodies: root.openDB<Buffer, string>('bodies', { encoding: 'binary' }),
      suppressions: root.openDB<SuppressionEntry, string>('suppressions', { encoding: 'msgpack' }),
      bounces: root.openDB<BounceCount, string>('bounces', { encoding: 'msgpack' }),
      sent: root.openDB<SentEntry, string>('sent', { encoding: 'msgpack' }),
      sentAt: root.openDB<true, [number, string]>('sent-at', { encoding: 'msgpack' }),
      replyTargets: root.openDB<ReplyTarget, string>('reply-targets', { encoding: 'msgpack' }),
    };
  } catch (err) {
    throw new GatewayError('E_STORAGE', `cannot open the MX store in ${storage.dataDir}: ${String(err)}`, {
      cause: err,
    });
  }
}

/**
 * Releases the MX's view of the storage after one more (no-op) write, so a batch that failed
 * before (disk full) is settled first (store/lmdb-close.ts).
 */
export async function closeMxStores(stores: MxStores): Promise<void> {
  await closeSettled(stores.root, stores.inbox.remove('\u0000none'));
}
