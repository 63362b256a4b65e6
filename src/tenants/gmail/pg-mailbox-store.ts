import type pg from 'pg';
import { type LinkProvider, openPgLinkTables, type PendingFlow, type PgLinkTables } from './pg-link-tables.js';
import { openPgSendCounts, type PgSendCounts } from './pg-send-counts.js';

export interface PgMailboxStoreOptions {
  readonly onListenError?: (err: Error) => void;
  readonly onGiveBackError?: (err: Error) => void;
}

/** What a mailbox link store (Gmail, Microsoft 365) is on PostgreSQL, but for the shape of its quota. */
export interface PgMailboxStore<L, P extends PendingFlow> {
  readonly link: PgLinkTables<L, P>['link'];
  readonly updateLink: PgLinkTables<L, P>['updateLink'];
  readonly putState: PgLinkTables<L, P>['putState'];
  readonly takeState: PgLinkTables<L, P>['takeState'];
  tenantIds(): Promise<Set<string>>;
  forgetCounts(tenantId: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * The parts both providers' stores share (migration 010): the links and consent flows of `provider`
 * (pg-link-tables.ts) and its daily counts (pg-send-counts.ts), whose `take` and `giveBack` each store
 * wraps in its own quota.
 */
export async function openPgMailboxStore<L, P extends PendingFlow>(
  pool: pg.Pool,
  provider: LinkProvider,
  label: string,
  options: PgMailboxStoreOptions,
): Promise<{ readonly store: PgMailboxStore<L, P>; readonly counts: PgSendCounts }> {
  const counts = await openPgSendCounts(pool, provider, {
    label,
    ...(options.onGiveBackError ? { onGiveBackError: options.onGiveBackError } : {}),
  });
  const tables = await openPgLinkTables<L, P>(pool, provider, {
    label,
    ...(options.onListenError ? { onListenError: options.onListenError } : {}),
  });
  const store: PgMailboxStore<L, P> = {
    link: (tenantId) => tables.link(tenantId),
    updateLink: (tenantId, change) => tables.updateLink(tenantId, change),
    putState: (state, pending, now) => tables.putState(state, pending, now),
    takeState: (state, now) => tables.takeState(state, now),
    async tenantIds() {
      return new Set([...(await tables.linkTenantIds()), ...(await counts.tenantIds())]);
    },
    async forgetCounts(tenantId) {
      return (await counts.forget(tenantId)) + (await tables.forgetStates(tenantId));
    },
    close: () => tables.close(),
  };
  return { store, counts };
}
