import type { CountBucket, CountKind, SharedCounts } from './shared-counts.js';

/**
 * A key's buckets as flat pairs [start, count, …], oldest first (a bucket ends windowMs after its
 * start, for both window shapes), and their sum, so a total does not add them up each time.
 */
interface Entry {
  readonly pairs: number[];
  sum: number;
}

/**
 * SharedCounts in this process's memory: what one node counts, and all a single node needs (the
 * default; a restart forgets them). Each key holds its buckets, oldest first: at most `slots` (+1
 * after a clock step) for a sliding window, one live one for a fixed window, and their sum. add
 * and total are O(1) amortised (a bucket is dropped once, when its window ends); a key counted
 * again moves to the newest position, and past maxKeys the oldest goes.
 */
export class LocalCounts implements SharedCounts {
  private readonly byKind = new Map<string, Map<string, Entry>>();

  add(kind: CountKind, key: string, n: number, now: number): void {
    this.addTo(kind, key, n, now);
  }

  /** Adds, and answers the bucket the count went to (a shared engine sends it on as a delta). */
  addTo(kind: CountKind, key: string, n: number, now: number): CountBucket {
    const keys = this.keysOf(kind);
    const entry = keys.get(key) ?? { pairs: [], sum: 0 };
    expire(entry, kind, now);
    const at = currentBucket(kind, entry.pairs, now);
    entry.pairs[at + 1] = (entry.pairs[at + 1] ?? 0) + n;
    entry.sum += n;
    keys.delete(key);
    keys.set(key, entry);
    while (keys.size > kind.maxKeys) {
      const oldest = keys.keys().next();
      if (oldest.done) break;
      keys.delete(oldest.value);
    }
    const start = entry.pairs[at] ?? now;
    return { start, expiresAt: start + kind.windowMs };
  }

  total(kind: CountKind, key: string, now: number): number {
    const keys = this.byKind.get(kind.name);
    const entry = keys?.get(key);
    if (keys === undefined || entry === undefined) return 0;
    expire(entry, kind, now);
    if (entry.pairs.length === 0) keys.delete(key);
    return entry.sum;
  }

  keys(kind: CountKind): string[] {
    return [...(this.byKind.get(kind.name)?.keys() ?? [])];
  }

  forget(kind: CountKind, key: string): void {
    this.byKind.get(kind.name)?.delete(key);
  }

  private keysOf(kind: CountKind): Map<string, Entry> {
    let keys = this.byKind.get(kind.name);
    if (keys === undefined) {
      keys = new Map();
      this.byKind.set(kind.name, keys);
    }
    return keys;
  }
}

/** Drops the buckets whose window has ended at `now` (the oldest come first). */
function expire(entry: Entry, kind: CountKind, now: number): void {
  let ended = 0;
  while (ended < entry.pairs.length && (entry.pairs[ended] ?? 0) + kind.windowMs <= now) {
    entry.sum -= entry.pairs[ended + 1] ?? 0;
    ended += 2;
  }
  if (ended > 0) entry.pairs.splice(0, ended);
}

/**
 * Where in `pairs` the bucket `now` counts into starts, appended when new. A clock that stepped
 * back counts into the newest bucket rather than one before it, so nothing is lost and buckets
 * stay in order.
 */
function currentBucket(kind: CountKind, pairs: number[], now: number): number {
  const last = pairs.length - 2;
  if (kind.slots === undefined) {
    if (last >= 0) return last; // expire() kept only a window that has not ended
    return push(pairs, now);
  }
  const slotMs = kind.windowMs / kind.slots;
  const start = Math.floor(now / slotMs) * slotMs;
  if (last >= 0 && (pairs[last] ?? 0) >= start) return last;
  return push(pairs, start);
}

function push(pairs: number[], start: number): number {
  pairs.push(start, 0);
  return pairs.length - 2;
}
