import { guardBatch } from '../store/lmdb-close.js';
import type { QueueStores } from './lmdb-store.js';

/**
 * The `leases` database: one small entry per message while delivery attempts it. Entries
 * left behind at start are the messages a crash interrupted, which are sent again
 * (at-least-once): counting them tells the operator how big that window was.
 */

/** Marks `id` in flight; the put joins this event turn's commit (no fsync of its own is awaited). */
export function putLease(stores: QueueStores, id: string, now: number): Promise<unknown> {
  const done = stores.leases.put(id, now);
  guardBatch(stores.root);
  return done;
}

export function removeLease(stores: QueueStores, id: string): Promise<unknown> {
  const done = stores.leases.remove(id);
  guardBatch(stores.root);
  return done;
}

/** Counts the leases a previous process left and removes them; call once at start, before delivery runs. */
export function takeLeftLeases(stores: QueueStores): number {
  const ids = [...stores.leases.getKeys()];
  if (ids.length > 0) {
    void stores.root
      .transaction(() => {
        for (const id of ids) void stores.leases.remove(id);
      })
      .catch(() => undefined); // a failed clean-up only means they are counted again next start
    guardBatch(stores.root);
  }
  return ids.length;
}
