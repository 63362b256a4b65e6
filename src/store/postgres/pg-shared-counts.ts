import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type pg from 'pg';
import type { Clock } from '../../core/clock.js';
import { LocalCounts } from '../../core/local-counts.js';
import type { SharedCounts } from '../../core/shared-counts.js';
import { type CountDelta, CountDeltas } from './count-deltas.js';
import { RemoteCounts, rowKey } from '../../core/remote-counts.js';
import { inTransaction } from './pg-transaction.js';
import { deleteKeys, pruneExpired, READ_FROM_START, readOthers, sendDeltas } from './shared-counts-sql.js';

export interface PgSharedCountsOptions {
  /**
   * This node's name in `shared_counts`. A fresh one per process by default: the rows a node wrote
   * before a restart then count as another node's until their windows end, so a restart forgets
   * nothing. A name given here must be this process's alone (a node never reads its own rows).
   */
  readonly node?: string;
  /** How often deltas go out and the other nodes' counts come in (default 300 ms). */
  readonly syncMs?: number;
  /** How often a node offers to delete rows whose window has ended (default a minute). */
  readonly pruneEveryMs?: number;
  readonly clock?: Clock;
  /** A round's statements fail after this long (a locked table, a stalled server); default 5 s. */
  readonly statementTimeoutMs?: number;
  /** close() waits this long at most for a round in progress and a last send (default 2 s). */
  readonly closeWithinMs?: number;
  /** Other nodes' keys held at most (default 100,000): the least recently read go. */
  readonly maxRemoteKeys?: number;
  /** Deltas waiting to be sent at most (default 100,000), for an outage: the oldest go. */
  readonly maxDeltas?: number;
  /** The database could not be reached: called once per outage (counting goes on locally). */
  readonly onOutage?: (err: Error) => void;
  /** Reached again after an outage: deltas have been sent, the others' counts read. */
  readonly onRecovered?: () => void;
}

export interface PgSharedCounts extends SharedCounts {
  readonly node: string;
  /** One round (send, read, now and then prune) after any in progress; the timer runs them otherwise. */
  sync(): Promise<void>;
  /** Stops the rounds and sends what is left if the database is reachable; the pool stays open. */
  close(): Promise<void>;
}

/** Rows sent and rows read in one round at most: a round's work is bounded, the rest waits for the next. */
const ROWS_PER_ROUND = 5_000;
/** Rows are pruned this long after their window ended: nodes' clocks differ a little. */
const PRUNE_GRACE_MS = 60_000;

/**
 * SharedCounts on PostgreSQL, without a database round trip on the hot path: `add` counts at once
 * in this process and queues a delta; every `syncMs` one upsert sends the deltas (a row per kind,
 * key, node and slot) and one query reads the other nodes' rows changed since the last read, so
 * `total` is this node's count plus the others' as last read (a few hundred ms old). A node reads
 * every key the cluster counts, not only those it has seen: an address that guessed passwords on
 * one node is known to the others before its first attempt there. While the database is
 * unreachable the node counts on locally, says so once, and catches up when it is back (a send
 * whose answer was lost may then count twice: the error is on the safe side).
 */
export function openPgSharedCounts(pool: pg.Pool, options: PgSharedCountsOptions = {}): PgSharedCounts {
  const node = options.node ?? defaultNodeName();
  const own = new LocalCounts();
  const deltas = new CountDeltas(options.maxDeltas ?? 100_000);
  const remote = new RemoteCounts(options.maxRemoteKeys ?? 100_000);
  const rounds = syncRounds(pool, node, deltas, remote, options);
  return {
    node,
    add(kind, key, n, now) {
      const bucket = own.addTo(kind, key, n, now);
      deltas.add(kind.name, rowKey(key), Math.round(bucket.start), Math.round(bucket.expiresAt), n);
    },
    total: (kind, key, now) => own.total(kind, key, now) + remote.total(kind.name, rowKey(key), now),
    // The others' keys too: a tenant purged on this node may only have sent through another.
    keys: (kind) => [...new Set([...own.keys(kind), ...remote.keys(kind.name)])],
    forget(kind, key) {
      own.forget(kind, key);
      deltas.forget(kind.name, rowKey(key));
      remote.forget(kind.name, rowKey(key));
      rounds.forget(kind.name, rowKey(key));
    },
    sync: rounds.sync,
    close: rounds.close,
  };
}

interface SyncRounds {
  sync(): Promise<void>;
  forget(kind: string, key: string): void;
  close(): Promise<void>;
}

function syncRounds(
  pool: pg.Pool,
  node: string,
  deltas: CountDeltas,
  remote: RemoteCounts,
  options: PgSharedCountsOptions,
): SyncRounds {
  const clock = options.clock ?? Date.now;
  const pruneEveryMs = options.pruneEveryMs ?? 60_000;
  const statementTimeoutMs = options.statementTimeoutMs ?? 5_000;
  const forgotten: { kind: string; key: string }[] = [];
  const state = { cursor: READ_FROM_START, down: false, stopped: false, prunedAt: clock() };
  let chain: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;

  const transaction = <R>(action: string, work: (db: pg.PoolClient) => Promise<R>) =>
    inTransaction(pool, action, (db) => bounded(db, statementTimeoutMs, work));
  const send = async (batch: CountDelta[], gone: { kind: string; key: string }[]) => {
    try {
      // The deltas commit in a short transaction of their own: another node's read that comes
      // before the commit catches the rows by its margin (shared-counts-sql.ts).
      await transaction('sending shared counts', async (db) => {
        await sendDeltas(db, node, batch);
        await deleteKeys(db, gone);
      });
    } catch (err) {
      deltas.restore(batch);
      forgotten.unshift(...gone);
      throw err;
    }
  };
  const round = async () => {
    const now = clock();
    const batch = deltas.take(ROWS_PER_ROUND, now);
    const gone = forgotten.splice(0, ROWS_PER_ROUND);
    if (batch.length > 0 || gone.length > 0) await send(batch, gone);
    const prune = now - state.prunedAt >= pruneEveryMs;
    const page = await transaction('reading shared counts', async (db) => {
      if (prune) await pruneExpired(db, now - PRUNE_GRACE_MS, ROWS_PER_ROUND);
      return readOthers(db, node, state.cursor, now, ROWS_PER_ROUND);
    });
    for (const row of page.rows) remote.set(row);
    state.cursor = page.next;
    if (prune) state.prunedAt = now;
  };
  const guarded = async () => {
    try {
      await round();
      if (state.down) options.onRecovered?.();
      state.down = false;
    } catch (err) {
      if (!state.down) options.onOutage?.(err as Error);
      state.down = true;
    }
  };
  const sync = () => {
    chain = chain.then(guarded);
    return chain;
  };
  const schedule = () => {
    if (state.stopped) return;
    timer = setTimeout(() => void sync().then(schedule), options.syncMs ?? 300);
    timer.unref();
  };
  schedule();
  return {
    sync,
    forget: (kind, key) => {
      if (forgotten.length < ROWS_PER_ROUND * 10) forgotten.push({ kind, key });
    },
    async close() {
      state.stopped = true;
      clearTimeout(timer);
      const last = chain.then(() => (state.down ? undefined : guarded()));
      await within(last, options.closeWithinMs ?? 2_000);
    },
  };
}

/**
 * Runs `work` with each of its statements bounded by `ms` (a locked table or a stalled server fails
 * the round instead of holding it), and with an error listener on the connection: a checked-out
 * connection has none of the pool's, and a server that goes away between two statements must not
 * become an uncaught 'error' event (the next statement fails instead).
 */
async function bounded<R>(db: pg.PoolClient, ms: number, work: (db: pg.PoolClient) => Promise<R>): Promise<R> {
  const ignore = () => undefined;
  db.on('error', ignore);
  try {
    await db.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.round(ms))}`);
    return await work(db);
  } finally {
    db.off('error', ignore);
  }
}

/** Waits for `promise`, or `ms` at most (it goes on by itself). */
function within(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function defaultNodeName(): string {
  return `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
}
