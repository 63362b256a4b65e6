import type pg from 'pg';
import { type GmailLink, type GmailStore, nextUtcMidnight, type PendingLink } from './gmail-store.js';
import { openPgMailboxStore, type PgMailboxStoreOptions } from './pg-mailbox-store.js';

export type PgGmailStoreOptions = PgMailboxStoreOptions;

/**
 * GmailStore on PostgreSQL (migration 010), shared by every node: links read from a per-node
 * cache kept fresh by NOTIFY, consent flows taken once across nodes, daily sends counted in the
 * database so a link's limit holds for the cluster. Refresh tokens stay sealed as the links sealed them.
 */
export async function openPgGmailStore(pool: pg.Pool, options: PgGmailStoreOptions = {}): Promise<GmailStore> {
  const { store, counts } = await openPgMailboxStore<GmailLink, PendingLink>(pool, 'gmail', 'Gmail', options);
  return {
    ...store,
    quota: {
      async take(key, limit, now) {
        const taken = await counts.take(key, 1, limit, now);
        return taken.ok ? { ok: true as const } : { ok: false as const, resetAt: nextUtcMidnight(now) };
      },
      giveBack: (key, now) => counts.giveBack(key, 1, now),
      sentToday: (key, now) => counts.sentToday(key, now),
    },
  };
}
