import type { Database, RootDatabase } from 'lmdb';
import { newQueueId } from '../core/ids.js';
import type { Storage } from './storage.js';

/** What every entry of an append-only log carries: the id the log gave it (sorts by time) and its time. */
export interface LogEntry {
  readonly id: string;
  /** Milliseconds; what `prune` compares. */
  readonly at: number;
}

export interface LogQuery {
  /** At most this many entries (at least one). */
  readonly limit: number;
  /** Only entries older than this entry id (the `next` of the page before). */
  readonly before?: string;
  /** Only this scope's entries; absent: every entry of the log. */
  readonly scope?: string;
}

export interface LogPage<T> {
  /** Newest first. */
  readonly entries: T[];
  /** Pass as `before` for the next page; absent at the end. */
  readonly next?: string;
}

/**
 * An append-only, time-ordered log whose entries may belong to a scope (a tenant), pruned by age:
 * the need of the admin audit log. The seam a second engine implements (a table with an index on
 * scope and id); test/store/append-log-contract.ts is what an implementation must pass: two scopes
 * never see each other's entries, pages are newest first and cursor-paged, prune removes by age,
 * and what was appended survives a reopen.
 */
export interface AppendLog<T extends LogEntry> {
  /** Gives the entry its id (later than any before it in this process); resolves once committed. */
  append(entry: Omit<T, 'id'>): Promise<T>;
  read(query: LogQuery): Promise<LogPage<T>>;
  /** Deletes entries whose `at` is before `olderThan`; resolves with how many. */
  prune(olderThan: number): Promise<number>;
  close(): Promise<void>;
}

export interface AppendLogNames<T> {
  /** Named database of the entries, keyed by id. */
  readonly entries: string;
  /** Named database of the `<scope>:<id>` keys, so that a scope's page is a range read, not a scan. */
  readonly byScope: string;
  /** The scope of an entry, if any. */
  readonly scopeOf: (entry: T) => string | undefined;
}

/** The LMDB implementation: two named databases in `<owner>/` of the one environment, JSON values. */
export function openAppendLog<T extends LogEntry>(
  storage: Storage,
  owner: string,
  names: AppendLogNames<T>,
): AppendLog<T> {
  const root = storage.open(owner);
  const entries: Database<T, string> = root.openDB({ name: names.entries, encoding: 'json' });
  const byScope: Database<true, string> = root.openDB({ name: names.byScope, encoding: 'json' });
  const { scopeOf } = names;
  let lastId: string | undefined;

  return {
    async append(input) {
      lastId = laterId(input.at, lastId);
      const entry = { id: lastId, ...input } as T;
      const scope = scopeOf(entry);
      await root.transaction(() => {
        void entries.put(entry.id, entry);
        if (scope !== undefined) void byScope.put(`${scope}:${entry.id}`, true);
      });
      return entry;
    },
    async read(query) {
      const limit = Math.max(1, Math.floor(query.limit));
      const ids =
        query.scope === undefined
          ? [...entries.getKeys(newestFirst(query.before, limit + 1))]
          : scopeIds(byScope, query.scope, query.before, limit + 1);
      const page = ids
        .slice(0, limit)
        .map((id) => entries.get(id))
        .filter((e): e is T => e !== undefined);
      const last = page.at(-1);
      return { entries: page, ...(ids.length > limit && last ? { next: last.id } : {}) };
    },
    prune: (olderThan) => pruneOlderThan(root, entries, byScope, scopeOf, olderThan),
    async close() {
      await root.close();
    },
  };
}

const PRUNE_BATCH = 1000;

async function pruneOlderThan<T extends LogEntry>(
  root: RootDatabase,
  entries: Database<T, string>,
  byScope: Database<true, string>,
  scopeOf: (entry: T) => string | undefined,
  olderThan: number,
): Promise<number> {
  let pruned = 0;
  // Ids sort by time: the oldest come first; a bounded batch per transaction.
  for (let more = true; more; ) {
    const old = [...entries.getRange({ limit: PRUNE_BATCH })]
      .filter(({ value }) => value.at < olderThan)
      .map(({ value }) => value);
    if (old.length === 0) break;
    await root.transaction(() => {
      for (const e of old) {
        void entries.remove(e.id);
        const scope = scopeOf(e);
        if (scope !== undefined) void byScope.remove(`${scope}:${e.id}`);
      }
    });
    pruned += old.length;
    more = old.length === PRUNE_BATCH;
  }
  return pruned;
}

const BASE32 = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A time-sorted id after `last`: two entries appended by this process in the same
 * millisecond keep their order (a queue id's random part alone would not). Ids of other
 * nodes still sort by time; within one millisecond their order is arbitrary.
 */
export function laterId(at: number, last: string | undefined): string {
  const id = newQueueId(at);
  if (last === undefined || id > last) return id;
  const chars = [...last];
  for (let i = chars.length - 1; i >= 0; i--) {
    const next = BASE32.indexOf(chars[i] ?? '0') + 1;
    chars[i] = BASE32[next % 32] ?? '0';
    if (next < 32) break;
  }
  return chars.join('');
}

function newestFirst(
  before: string | undefined,
  limit: number,
): { reverse: true; limit: number; start?: string; exclusiveStart?: boolean } {
  return { reverse: true, limit, ...(before === undefined ? {} : { start: before, exclusiveStart: true }) };
}

/**
 * Entry ids of one scope, newest first: a reverse range read over `<scope>:<id>` keys. The range of
 * scope `a` also holds the keys of a scope `a:b`; an id never contains ':', which tells them apart.
 */
function scopeIds(byScope: Database<true, string>, scope: string, before: string | undefined, limit: number): string[] {
  const prefix = `${scope}:`;
  // ';' follows ':' in ASCII: `<scope>;` sorts after every key of this scope.
  const start = before === undefined ? `${scope};` : `${prefix}${before}`;
  const ids: string[] = [];
  for (const key of byScope.getKeys({ reverse: true, start, end: prefix, exclusiveStart: true })) {
    const id = key.slice(prefix.length);
    if (!id.includes(':')) ids.push(id);
    if (ids.length === limit) break;
  }
  return ids;
}
