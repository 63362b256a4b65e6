import type pg from 'pg';
import { storageCall } from '../../store/postgres/pg-errors.js';
import type { LinkProvider } from './pg-link-tables.js';
import { utcDay } from './gmail-store.js';

export type TakeResult = { readonly ok: true } | { readonly ok: false; readonly used: number };

/**
 * Sends (or recipients) per link and UTC day on PostgreSQL, so a daily limit holds for the
 * cluster: one upsert per message counts it only while the total stays within the limit, on
 * whichever node sends. `sentToday` is synchronous (the link status page): it answers the
 * cluster's total as this node last saw it (at open and with every count it made).
 */
export interface PgSendCounts {
  take(key: string, count: number, limit: number, now: number): Promise<TakeResult>;
  giveBack(key: string, count: number, now: number): Promise<void>;
  sentToday(key: string, now: number): number;
  tenantIds(): Promise<Set<string>>;
  /** Drops the tenant's counts; how many rows. */
  forget(tenantId: string): Promise<number>;
}

export interface PgSendCountsOptions {
  readonly label: string;
  /** Giving back a count failed (the database is down): the count stays, erring on the safe side. */
  readonly onGiveBackError?: (err: Error) => void;
}

/** Link keys are `<tenantId>:<linkedAt>`. */
function tenantOf(key: string): string {
  const colon = key.lastIndexOf(':');
  return colon < 0 ? key : key.slice(0, colon);
}

export async function openPgSendCounts(
  pool: pg.Pool,
  provider: LinkProvider,
  options: PgSendCountsOptions,
): Promise<PgSendCounts> {
  const seen = new Map<string, number>();
  const cacheKey = (key: string, day: string): string => `${key}@${day}`;
  const remember = (key: string, day: string, n: number): void => {
    // Only today's counts are ever asked for: older days go as a new one comes.
    for (const k of seen.keys()) if (!k.endsWith(`@${day}`)) seen.delete(k);
    seen.set(cacheKey(key, day), n);
  };
  const today = utcDay(Date.now());
  const { rows } = await storageCall(`loading the ${options.label} send counts`, () =>
    pool.query<{ link_key: string; n: number }>(
      'SELECT link_key, n FROM mailbox_send_counts WHERE provider = $1 AND day = $2',
      [provider, today],
    ),
  );
  for (const row of rows) remember(row.link_key, today, row.n);

  return {
    async take(key, count, limit, now) {
      const day = utcDay(now);
      if (count > limit) return { ok: false, used: await usedOn(pool, provider, key, day, options.label) };
      const { rows: taken } = await storageCall(`counting a ${options.label} send`, () =>
        pool.query<{ n: number }>(
          `INSERT INTO mailbox_send_counts AS c (provider, link_key, day, tenant_id, n) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (provider, link_key, day) DO UPDATE SET n = c.n + EXCLUDED.n WHERE c.n + EXCLUDED.n <= $6
           RETURNING n`,
          [provider, key, day, tenantOf(key), count, limit],
        ),
      );
      const row = taken[0];
      if (row !== undefined) {
        remember(key, day, row.n);
        return { ok: true };
      }
      const used = await usedOn(pool, provider, key, day, options.label);
      remember(key, day, used);
      return { ok: false, used };
    },
    async giveBack(key, count, now) {
      const day = utcDay(now);
      try {
        const { rows: left } = await pool.query<{ n: number }>(
          `UPDATE mailbox_send_counts SET n = GREATEST(0, n - $4)
           WHERE provider = $1 AND link_key = $2 AND day = $3 RETURNING n`,
          [provider, key, day, count],
        );
        if (left[0] !== undefined) remember(key, day, left[0].n);
      } catch (err) {
        options.onGiveBackError?.(err instanceof Error ? err : new Error(String(err)));
      }
    },
    sentToday: (key, now) => seen.get(cacheKey(key, utcDay(now))) ?? 0,
    async tenantIds() {
      const { rows: found } = await storageCall(`listing the ${options.label} send counts`, () =>
        pool.query<{ tenant_id: string }>('SELECT DISTINCT tenant_id FROM mailbox_send_counts WHERE provider = $1', [
          provider,
        ]),
      );
      return new Set(found.map((r) => r.tenant_id));
    },
    async forget(tenantId) {
      const { rows: gone } = await storageCall(`removing the ${options.label} send counts`, () =>
        pool.query<{ link_key: string; day: string }>(
          'DELETE FROM mailbox_send_counts WHERE provider = $1 AND tenant_id = $2 RETURNING link_key, day',
          [provider, tenantId],
        ),
      );
      for (const row of gone) seen.delete(cacheKey(row.link_key, row.day));
      return gone.length;
    },
  };
}

async function usedOn(pool: pg.Pool, provider: LinkProvider, key: string, day: string, label: string) {
  const { rows } = await storageCall(`reading a ${label} send count`, () =>
    pool.query<{ n: number }>('SELECT n FROM mailbox_send_counts WHERE provider = $1 AND link_key = $2 AND day = $3', [
      provider,
      key,
      day,
    ]),
  );
  return rows[0]?.n ?? 0;
}
