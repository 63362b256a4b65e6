import type { Logger } from '../../core/logger.js';

/** Anything that holds connections and must be closed when dropped (a transport, a pool). */
export interface Closable {
  close(): Promise<void>;
}

/**
 * A bounded map of connection holders in use order: the least recently used one is closed
 * when a new one would exceed `maxEntries`, so a long tail of hosts cannot pile up sockets.
 */
export interface ClosingCache<T extends Closable> {
  /** The entry for `key`, created on first use; marks it as the most recently used. */
  get(key: string, create: () => T): T;
  /** Removes and closes the entry for `key`, if any (one that will never be asked for again). */
  drop(key: string): void;
  /** Empties the cache and closes every entry. */
  closeAll(): Promise<void>;
}

export function createClosingCache<T extends Closable>(
  maxEntries: number,
  logger: Logger,
  what: string,
): ClosingCache<T> {
  /** Insertion order is use order (re-inserted on use): the first entry is the least recently used. */
  const entries = new Map<string, T>();

  function evict(): void {
    while (entries.size > maxEntries) {
      const [oldKey, oldest] = entries.entries().next().value as [string, T];
      entries.delete(oldKey);
      oldest.close().catch((err: unknown) => logger.warn({ err }, `closing an evicted ${what} failed`));
    }
  }

  return {
    get(key, create) {
      const cached = entries.get(key);
      if (cached) {
        entries.delete(key);
        entries.set(key, cached);
        return cached;
      }
      const created = create();
      entries.set(key, created);
      evict();
      return created;
    },
    drop(key) {
      const entry = entries.get(key);
      if (!entry) return;
      entries.delete(key);
      entry.close().catch((err: unknown) => logger.warn({ err }, `closing a dropped ${what} failed`));
    },
    async closeAll() {
      const all = [...entries.values()];
      entries.clear();
      await Promise.all(all.map((entry) => entry.close()));
    },
  };
}
