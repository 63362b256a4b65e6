import type { Logger } from '../core/logger.js';
import type { MxStores } from './mx-stores.js';

/** At most this many Message-IDs of one reply's In-Reply-To and References are looked up. */
const MAX_IDS_PER_LOOKUP = 20;
/** Index entries one purge removes at most per transaction. */
const PURGE_BATCH = 1000;

/**
 * Message-IDs each tenant sent, so that an inbound reply or DSN is matched to the tenant's
 * message with one key lookup per id (never a scan of the message log). Written when a
 * message is first planned for delivery (one small async write, skipped on retries), purged
 * with the message log's retention.
 */
export interface SentIndex {
  record(tenantId: string, messageId: string, queueId: string, at: number): void;
  /** The queue id of the first of these Message-IDs this tenant sent, if any (on PostgreSQL: one query). */
  find(tenantId: string, messageIds: readonly string[]): Promise<string | undefined>;
  /** Removes entries recorded before `olderThan`; resolves to how many. */
  purgeCompleted(olderThan: number): Promise<number>;
}

export function bareMessageId(value: string): string {
  return value.trim().replace(/^<|>$/g, '').toLowerCase();
}

/** The ids one lookup asks for, bare, in the order given (the first found wins). */
export function lookedUp(messageIds: readonly string[]): string[] {
  return messageIds
    .slice(0, MAX_IDS_PER_LOOKUP)
    .map(bareMessageId)
    .filter((id) => id !== '');
}

/** Every `<...>` in In-Reply-To first, then References newest first (the message answered comes first). */
export function referencedIds(headers: Map<string, string>): string[] {
  const refs = (headers.get('references') ?? '').match(/<[^<>\s]+>/g) ?? [];
  const direct = (headers.get('in-reply-to') ?? '').match(/<[^<>\s]+>/g) ?? [];
  return [...direct, ...refs.reverse()].slice(0, MAX_IDS_PER_LOOKUP);
}

export function createSentIndex(stores: Pick<MxStores, 'sent' | 'sentAt'>, logger: Logger): SentIndex {
  const keyOf = (tenantId: string, messageId: string): string => `${tenantId}/${bareMessageId(messageId)}`;
  return {
    record(tenantId, messageId, queueId, at) {
      const key = keyOf(tenantId, messageId);
      if (bareMessageId(messageId) === '' || stores.sent.get(key) !== undefined) return;
      stores.sent
        .put(key, { queueId, at })
        .then(() => stores.sentAt.put([at, key], true))
        .catch((err: unknown) =>
          logger.warn({ err, queueId }, 'could not index the Message-ID: replies to it will not be forwarded'),
        );
    },
    async find(tenantId, messageIds) {
      for (const id of lookedUp(messageIds)) {
        const hit = stores.sent.get(keyOf(tenantId, id));
        if (hit) return hit.queueId;
      }
      return undefined;
    },
    async purgeCompleted(olderThan) {
      let purged = 0;
      for (;;) {
        const old = [...stores.sentAt.getKeys({ end: [olderThan], limit: PURGE_BATCH })];
        if (old.length === 0) return purged;
        await stores.sentAt.transaction(() => {
          for (const [at, key] of old) {
            if (stores.sent.get(key)?.at === at) stores.sent.remove(key);
            stores.sentAt.remove([at, key]);
          }
        });
        purged += old.length;
        if (old.length < PURGE_BATCH) return purged;
      }
    },
  };
}
