import type { Database } from 'lmdb';
import type { ReplyTarget } from './mx-records.js';

/**
 * The confirmation state of each tenant's reply-forwarding address, keyed by tenant id: in the
 * node's LMDB (below) or shared on PostgreSQL (pg-reply-targets.ts).
 */
export interface ReplyTargets {
  /** This node's view, synchronous (the link page); on PostgreSQL a copy kept fresh by NOTIFY. */
  get(tenantId: string): ReplyTarget | undefined;
  /** The stored state itself (whether a reply may go, the checks before a write). */
  read(tenantId: string): Promise<ReplyTarget | undefined>;
  put(tenantId: string, target: ReplyTarget): Promise<void>;
  /** Writes `next` only while the stored target still holds this link: a link is used once, on any node. */
  putIfLink(tenantId: string, tokenHash: string, next: ReplyTarget): Promise<boolean>;
  tenantIds(): Iterable<string>;
  /** False when the tenant had none. */
  remove(tenantId: string): Promise<boolean>;
}

export function lmdbReplyTargets(db: Database<ReplyTarget, string>): ReplyTargets {
  return {
    get: (tenantId) => db.get(tenantId),
    read: async (tenantId) => db.get(tenantId),
    put: async (tenantId, target) => void (await db.put(tenantId, target)),
    putIfLink: (tenantId, tokenHash, next) =>
      db.transaction(() => {
        if (db.get(tenantId)?.tokenHash !== tokenHash) return false;
        db.putSync(tenantId, next);
        return true;
      }),
    tenantIds: () => db.getKeys(),
    remove: (tenantId) => db.remove(tenantId),
  };
}
