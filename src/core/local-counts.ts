import type { CountBucket, CountKind, SharedCounts } from './shared-counts.js';

interface Bucket extends CountBucket {
  count: number;
}

/** A key's buckets, oldest first, and their sum (so a total does not add them up each time). */
interface Entry {
  readonly buckets: Bucket[];
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
    const entry = keys.get(key) ?? { buckets: [], sum: 0 };
    expire(entry, now);
    const bucket = currentBucket(kind, entry.buckets, now);
    bucket.count += n;
    entry.sum += n;
    keys.delete(key);
    keys.set(key, entry);
    while (keys.size > kind.maxKeys) {
      const oldest = keys.keys().next();
      if (oldest.done) break;
      keys.delete(oldest.value);
    }
    return bucket;
  }

  total(kind: CountKind, key: string, now: number): number {
    const keys = this.byKind.get(kind.name);
    const entry = keys?.get(key);
    if (keys === undefined || entry === undefined) return 0;
    expire(entry, now);
    if (entry.buckets.length === 0) keys.delete(key);
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
function expire(entry: Entry, now: number): void {
  while (entry.buckets.length > 0 && (entry.buckets[0]?.expiresAt ?? Infinity) <= now) {
    entry.sum -= entry.buckets.shift()?.count ?? 0;
  }
}

/**
 * The bucket `now` counts into, appended when new. A clock that stepped back counts into the newest
 * bucket rather than one before it, so nothing is lost and buckets stay in order.
 */
function currentBucket(kind: CountKind, buckets: Bucket[], now: number): Bucket {
  const last = buckets.at(-1);
  if (kind.slots === undefined) {
    if (last !== undefined) return last; // expire() kept only a window that has not ended
    return push(buckets, now, now + kind.windowMs);
  }
  const slotMs = kind.windowMs / kind.slots;
  const start = Math.floor(now / slotMs) * slotMs;
  if (last !== undefined && last.start >= start) return last;
  return push(buckets, start, start + kind.windowMs);
}

function push(buckets: Bucket[], start: number, expiresAt: number): Bucket {
  const bucket = { start, expiresAt, count: 0 };
  buckets.push(bucket);
  return bucket;
}
