import { flushOfCurrentBatch } from '../../queue/lmdb-store.js';
import { guardBatch } from '../../store/lmdb-close.js';
import { toStorageError } from '../../store/storage-errors.js';
import type { InboxEntry, MxStores } from '../../feedback/mx-stores.js';

/**
 * Accepted MX mail until it is processed. `put` resolves once entry and body are fsynced
 * (the listener answers 250 then, as the submission listener does); processing runs from
 * the stored copy and deletes it at the end, so a crash in between leaves it here and
 * `pending()` hands it to the processor at the next start.
 */
export interface Inbox {
  put(entry: InboxEntry, body: Buffer): Promise<void>;
  get(id: string): InboxEntry | undefined;
  body(id: string): Buffer | undefined;
  pending(): InboxEntry[];
  remove(id: string): Promise<void>;
}

export function createInbox(stores: MxStores): Inbox {
  return {
    async put(entry, body) {
      const writes = Promise.all([stores.inbox.put(entry.id, entry), stores.bodies.put(entry.id, body)]);
      // Taken in the same event turn as the puts: the flush of exactly this batch.
      const durable = flushOfCurrentBatch(stores.root);
      durable.catch(() => undefined);
      guardBatch(stores.root);
      try {
        await writes;
        await durable;
      } catch (err) {
        // E_STORAGE_FULL / E_STORAGE, as the queue's enqueue: the listener answers 452 or 451.
        throw await toStorageError(err, 'storing MX mail');
      }
    },
    get: (id) => stores.inbox.get(id),
    body: (id) => stores.bodies.get(id),
    pending: () => [...stores.inbox.getRange()].map(({ value }) => value),
    async remove(id) {
      const done = stores.root.transaction(() => {
        void stores.inbox.remove(id);
        void stores.bodies.remove(id);
      });
      guardBatch(stores.root);
      await done;
    },
  };
}
