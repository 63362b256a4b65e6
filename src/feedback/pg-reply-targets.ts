import type pg from 'pg';
import { storageCall } from '../store/postgres/pg-errors.js';
import { pgListener } from '../store/postgres/pg-listener.js';
import type { ReplyTarget } from './mx-records.js';
import type { ReplyTargets } from './reply-targets.js';

const CHANNEL = 'postbode_mx_reply_targets';

export interface PgReplyTargets extends ReplyTargets {
  /** Stops listening (before the pool ends). */
  close(): Promise<void>;
}

/**
 * Reply targets shared by every node (migration 009, `mx_reply_targets`): an address confirmed
 * through one node's link page lets replies go on every node. `get` is served from this node's
 * copy (loaded at open, re-read per NOTIFY); `read` and the writes ask the database, so whether a
 * held reply may go never waits for a notification, and a link is used once across the cluster.
 * While the database is unreachable `read` answers from the copy and the writes fail (E_STORAGE).
 */
export async function openPgReplyTargets(
  pool: pg.Pool,
  opts: { readonly onListenError?: (err: Error) => void } = {},
): Promise<PgReplyTargets> {
  const cache = new Map<string, ReplyTarget>();
  const listener = pgListener(pool, {
    channel: CHANNEL,
    loading: 'loading the reply targets',
    async reload(client) {
      const { rows } = await client.query<{ tenant_id: string; target: ReplyTarget }>(
        'SELECT tenant_id, target FROM mx_reply_targets',
      );
      cache.clear();
      for (const row of rows) cache.set(row.tenant_id, row.target);
    },
    async refresh(client, tenantId) {
      const { rows } = await client.query<{ target: ReplyTarget }>(
        'SELECT target FROM mx_reply_targets WHERE tenant_id = $1',
        [tenantId],
      );
      remember(cache, tenantId, rows[0]?.target);
    },
    ...(opts.onListenError ? { onListenError: opts.onListenError } : {}),
  });
  await listener.start();
  const query = <R extends pg.QueryResultRow>(action: string, sql: string, values: unknown[]) =>
    storageCall(action, () => pool.query<R>(sql, values));
  return {
    get: (tenantId) => cache.get(tenantId),
    async read(tenantId) {
      try {
        const { rows } = await pool.query<{ target: ReplyTarget }>(
          'SELECT target FROM mx_reply_targets WHERE tenant_id = $1',
          [tenantId],
        );
        // Not put in the copy: a notification's re-read may have applied a later row meanwhile.
        return rows[0]?.target;
      } catch {
        // The database is unreachable: the last state this node knew (every write fails until it is back,
        // so nothing is confirmed or spent on this answer alone; a held reply may go on a confirmed target).
        return cache.get(tenantId);
      }
    },
    async put(tenantId, target) {
      await query(
        'storing a reply target',
        `INSERT INTO mx_reply_targets (tenant_id, target) VALUES ($1, $2)
         ON CONFLICT (tenant_id) DO UPDATE SET target = EXCLUDED.target`,
        [tenantId, JSON.stringify(target)],
      );
      cache.set(tenantId, target);
    },
    async putIfLink(tenantId, tokenHash, next) {
      const { rowCount } = await query(
        'confirming a reply target',
        `UPDATE mx_reply_targets SET target = $3 WHERE tenant_id = $1 AND target->>'tokenHash' = $2`,
        [tenantId, tokenHash, JSON.stringify(next)],
      );
      if ((rowCount ?? 0) === 0) return false;
      cache.set(tenantId, next);
      return true;
    },
    tenantIds: () => [...cache.keys()],
    async remove(tenantId) {
      const { rowCount } = await query('removing a reply target', 'DELETE FROM mx_reply_targets WHERE tenant_id = $1', [
        tenantId,
      ]);
      cache.delete(tenantId);
      return (rowCount ?? 0) > 0;
    },
    close: async () => listener.stop(),
  };
}

function remember(cache: Map<string, ReplyTarget>, tenantId: string, target: ReplyTarget | undefined): void {
  if (target === undefined) cache.delete(tenantId);
  else cache.set(tenantId, target);
}
