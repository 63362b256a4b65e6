import type pg from 'pg';
import { nextUtcMidnight } from '../gmail/gmail-store.js';
import { openPgLinkTables } from '../gmail/pg-link-tables.js';
import { openPgSendCounts } from '../gmail/pg-send-counts.js';
import type { MicrosoftLink, MicrosoftStore, PendingMicrosoftLink } from './microsoft-store.js';

export interface PgMicrosoftStoreOptions {
  readonly onListenError?: (err: Error) => void;
  readonly onGiveBackError?: (err: Error) => void;
}

/**
 * MicrosoftStore on PostgreSQL (migration 010), shared by every node, as pg-gmail-store.ts: links
 * from a per-node cache kept fresh by NOTIFY, consent flows taken once, recipients per day counted
 * in the database. Refresh tokens stay sealed as the links sealed them.
 */
export async function openPgMicrosoftStore(
  pool: pg.Pool,
  options: PgMicrosoftStoreOptions = {},
): Promise<MicrosoftStore> {
  const label = 'Microsoft 365';
  const counts = await openPgSendCounts(pool, 'microsoft', {
    label,
    ...(options.onGiveBackError ? { onGiveBackError: options.onGiveBackError } : {}),
  });
  const tables = await openPgLinkTables<MicrosoftLink, PendingMicrosoftLink>(pool, 'microsoft', {
    label,
    ...(options.onListenError ? { onListenError: options.onListenError } : {}),
  });
  return {
    link: (tenantId) => tables.link(tenantId),
    updateLink: (tenantId, change) => tables.updateLink(tenantId, change),
    putState: (state, pending, now) => tables.putState(state, pending, now),
    takeState: (state, now) => tables.takeState(state, now),
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
    async tenantIds() {
      return new Set([...(await tables.linkTenantIds()), ...(await counts.tenantIds())]);
    },
    async forgetCounts(tenantId) {
      return (await counts.forget(tenantId)) + (await tables.forgetStates(tenantId));
    },
    close: () => tables.close(),
  };
}
