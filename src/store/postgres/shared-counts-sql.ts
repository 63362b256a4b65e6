import type pg from 'pg';
import type { CountDelta } from './count-deltas.js';
import type { RemoteRow } from '../../core/remote-counts.js';

/** Where a node's reading of the others' rows stands: a `changed_at` as PostgreSQL's text. */
export type ReadCursor = string;
export const READ_FROM_START: ReadCursor = '-infinity';

/**
 * A caught-up read starts the next one this long before its own start: a row changed just before
 * a read may commit after it (deltas commit in their own short transaction), and reading absolute
 * counts twice is harmless. A row whose commit came later still is read when it next changes.
 */
const REREAD_MARGIN = '1 second';
/** "pbcounts" in ASCII: the advisory lock one node at a time prunes under. */
export const PRUNE_LOCK = String(0x7062_636f_756e_7473n);

/** Adds this node's deltas to its rows, one upsert for the lot (the deltas have no row twice). */
export async function sendDeltas(db: pg.ClientBase, node: string, deltas: readonly CountDelta[]): Promise<void> {
  if (deltas.length === 0) return;
  await db.query(
    `INSERT INTO shared_counts (kind, key, node, slot, expires_at, count)
     SELECT d.kind, d.key, $1, d.slot, d.expires_at, d.n
       FROM unnest($2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[])
            AS d(kind, key, slot, expires_at, n)
     ON CONFLICT (kind, key, node, slot) DO UPDATE
       SET count = shared_counts.count + EXCLUDED.count,
           expires_at = GREATEST(shared_counts.expires_at, EXCLUDED.expires_at),
           changed_at = clock_timestamp()`,
    [
      node,
      deltas.map((d) => d.kind),
      deltas.map((d) => d.key),
      deltas.map((d) => d.slot),
      deltas.map((d) => d.expiresAt),
      deltas.map((d) => d.n),
    ],
  );
}

export interface ReadPage {
  readonly rows: RemoteRow[];
  /** Where the next read starts. */
  readonly next: ReadCursor;
}

/**
 * The other nodes' rows still in their window and changed since `from`, oldest change first, at
 * most `limit`. A full page continues at its last row; a short one (caught up) continues at
 * REREAD_MARGIN before this read began, so a quiet cluster soon reads nothing.
 */
export async function readOthers(
  db: pg.ClientBase,
  node: string,
  from: ReadCursor,
  now: number,
  limit: number,
): Promise<ReadPage> {
  const { rows: marks } = await db.query<{ mark: string }>(
    `SELECT GREATEST($1::timestamptz, clock_timestamp() - interval '${REREAD_MARGIN}')::text AS mark`,
    [from],
  );
  const { rows } = await db.query<RowText>(
    `SELECT kind, key, node, slot::text, expires_at::text, count::text, changed_at::text AS changed
       FROM shared_counts
      WHERE node <> $1 AND changed_at >= $2::timestamptz AND expires_at > $3
      ORDER BY changed_at LIMIT $4`,
    [node, from, now, limit],
  );
  const last = rows.at(-1);
  const next = last !== undefined && rows.length >= limit ? last.changed : (marks[0]?.mark ?? from);
  return { rows: rows.map(toRemoteRow), next };
}

interface RowText {
  readonly kind: string;
  readonly key: string;
  readonly node: string;
  readonly slot: string;
  readonly expires_at: string;
  readonly count: string;
  readonly changed: string;
}

function toRemoteRow(row: RowText): RemoteRow {
  return {
    kind: row.kind,
    key: row.key,
    node: row.node,
    slot: Number(row.slot),
    expiresAt: Number(row.expires_at),
    count: Number(row.count),
  };
}

/** Removes keys' rows of every node (a purged tenant). */
export async function deleteKeys(db: pg.ClientBase, keys: readonly { kind: string; key: string }[]): Promise<void> {
  if (keys.length === 0) return;
  await db.query(
    `DELETE FROM shared_counts c USING unnest($1::text[], $2::text[]) AS f(kind, key)
      WHERE c.kind = f.kind AND c.key = f.key`,
    [keys.map((k) => k.kind), keys.map((k) => k.key)],
  );
}

/**
 * Deletes up to `limit` rows whose window ended before `before`, on one node of the cluster at a
 * time: under a transaction-scoped advisory lock, which a node that does not get it skips (call it
 * inside a transaction). Answers the rows deleted.
 */
export async function pruneExpired(db: pg.ClientBase, before: number, limit: number): Promise<number> {
  const { rows } = await db.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1::bigint) AS locked', [
    PRUNE_LOCK,
  ]);
  if (rows[0]?.locked !== true) return 0;
  const deleted = await db.query(
    `DELETE FROM shared_counts WHERE ctid IN
       (SELECT ctid FROM shared_counts WHERE expires_at < $1 LIMIT $2)`,
    [before, limit],
  );
  return deleted.rowCount ?? 0;
}
