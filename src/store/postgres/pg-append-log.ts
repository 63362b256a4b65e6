import type pg from 'pg';
import { type AppendLog, type LogEntry, laterId } from '../append-log.js';
import { storageCall } from './pg-errors.js';

const PRUNE_BATCH = 1000;

/**
 * AppendLog on PostgreSQL: the rows of `log_entries` whose `log` is this log's name, the entry as
 * jsonb. Ids come from `laterId` as in LMDB (time-sorted, in order within this process) and compare
 * in byte order (COLLATE "C"); a scope's page is a range read of the index of migration 002.
 */
export function openPgAppendLog<T extends LogEntry>(
  pool: pg.Pool,
  log: string,
  scopeOf: (entry: T) => string | undefined,
): AppendLog<T> {
  let lastId: string | undefined;
  return {
    async append(input) {
      lastId = laterId(input.at, lastId);
      const entry = { id: lastId, ...input } as T;
      await storageCall('appending to the log', () =>
        pool.query('INSERT INTO log_entries (log, id, scope, at, entry) VALUES ($1, $2, $3, $4, $5)', [
          log,
          entry.id,
          scopeOf(entry) ?? null,
          entry.at,
          JSON.stringify(entry),
        ]),
      );
      return entry;
    },
    async read(query) {
      const limit = Math.max(1, Math.floor(query.limit));
      const params: unknown[] = [log, limit + 1];
      const where = ['log = $1'];
      if (query.scope !== undefined) where.push(`scope = $${params.push(query.scope)}`);
      if (query.before !== undefined) where.push(`id < $${params.push(query.before)}`);
      const { rows } = await storageCall('reading the log', () =>
        pool.query<{ entry: T }>(
          `SELECT entry FROM log_entries WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT $2`,
          params,
        ),
      );
      const page = rows.slice(0, limit).map((r) => r.entry);
      const last = page.at(-1);
      return { entries: page, ...(rows.length > limit && last ? { next: last.id } : {}) };
    },
    prune: (olderThan) => pruneOlderThan(pool, log, olderThan),
    async close() {},
  };
}

/** Deletes in bounded batches, oldest first, so that no one transaction holds a whole log's rows. */
async function pruneOlderThan(pool: pg.Pool, log: string, olderThan: number): Promise<number> {
  let pruned = 0;
  for (;;) {
    const { rowCount } = await storageCall('pruning the log', () =>
      pool.query(
        `DELETE FROM log_entries WHERE log = $1 AND id IN (
           SELECT id FROM log_entries WHERE log = $1 AND at < $2 ORDER BY at LIMIT $3)`,
        [log, olderThan, PRUNE_BATCH],
      ),
    );
    pruned += rowCount ?? 0;
    if ((rowCount ?? 0) < PRUNE_BATCH) return pruned;
  }
}
