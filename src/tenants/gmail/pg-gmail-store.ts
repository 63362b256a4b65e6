import type pg from 'pg';
import { type GmailLink, type GmailStore, nextUtcMidnight, type PendingLink } from './gmail-store.js';
import { openPgLinkTables } from './pg-link-tables.js';
import { openPgSendCounts } from './pg-send-counts.js';

export interface PgGmailStoreOptions {
  readonly onListenError?: (err: Error) => void;
  readonly onGiveBackError?: (err: Error) => void;
}

/**
 * GmailStore on PostgreSQL (migration 010), shared by every node: links read from a per-node
 * cache kept fresh by NOTIFY, consent flows taken once across nodes, daily sends counted in the
 * database so a link's limit holds for the cluster. Refresh tokens stay sealed as the links sealed them.
 */
export async function openPgGmailStore(pool: pg.Pool, options: PgGmailStoreOptions = {}): Promise<GmailStore> {
  const label = 'Gmail';
  const counts = await openPgSendCounts(pool, 'gmail', {
    label,
    ...(options.onGiveBackError ? { onGiveBackError: options.onGiveBackError } : {}),
  });
  const tables = await openPgLinkTables<GmailLink, PendingLink>(pool, 'gmail', {
    label,
    ...(options.onListenError ? { onListenError: options.onListenError } : {}),
  });
  return {
    link: (tenantId) => tables.link(tenantId),
    updateLink: (tenantId, change) => tables.updateLink(tenantId, change),
    putState: (state, pending, now) => tables.putState(state, pending, now),
    takeState: (state, now) => tables.takeState(state, now),
    quota: {
      async take(key, limit, now) {
        const taken = await counts.take(key, 1, limit, now);
        return taken.ok ? { ok: true as const } : { ok: false as const, resetAt: nextUtcMidnight(now) };
      },
      giveBack: (key, now) => counts.giveBack(key, 1, now),
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
