import type pg from 'pg';
import { nextUtcMidnight } from '../gmail/gmail-store.js';
import { openPgMailboxStore, type PgMailboxStoreOptions } from '../gmail/pg-mailbox-store.js';
import type { MicrosoftLink, MicrosoftStore, PendingMicrosoftLink } from './microsoft-store.js';

export type PgMicrosoftStoreOptions = PgMailboxStoreOptions;

/**
 * MicrosoftStore on PostgreSQL (migration 010), shared by every node, as pg-gmail-store.ts: links
 * from a per-node cache kept fresh by NOTIFY, consent flows taken once, recipients per day counted
 * in the database. Refresh tokens stay sealed as the links sealed them.
 */
export async function openPgMicrosoftStore(
  pool: pg.Pool,
  options: PgMicrosoftStoreOptions = {},
): Promise<MicrosoftStore> {
  const { store, counts } = await openPgMailboxStore<MicrosoftLink, PendingMicrosoftLink>(
    pool,
    'microsoft',
    'Microsoft 365',
    options,
  );
  return {
    ...store,
    quota: {
      async take(key, count, limit, now) {
        const taken = await counts.take(key, count, limit, now);
        return taken.ok
          ? { ok: true as const }
          : { ok: false as const, resetAt: nextUtcMidnight(now), used: taken.used };
      },
      giveBack: (key, count, now) => counts.giveBack(key, count, now),
      sentToday: (key, now) => counts.sentToday(key, now),
    },
  };
}
