import type { CountBucket, CountKind, SharedCounts } from './shared-counts.js';

interface Bucket extends CountBucket {
  count: number;
}

/**
 * SharedCounts in this process's memory: what one node counts, and all a single node needs (the
 * default; a restart forgets them). Each key holds its buckets, oldest first: at most `slots` (+1
 * after a clock step) for a sliding window, one live one for a fixed window. add and total are
 * O(slots); a key counted again moves to the newest position, and past maxKeys the oldest goes.
 */
export class LocalCounts implements SharedCounts {
  private readonly byKind = new Map<string, Map<string, Bucket[]>>();

  add(kind: CountKind, key: string, n: number, now: number): void {
    this.addTo(kind, key, n, now);
  }

  /** Adds, and answers the bucket the count went to (a shared engine sends it on as a delta). */
  addTo(kind: CountKind, key: string, n: number, now: number): CountBucket {
    const keys = this.keysOf(kind);
    const buckets = live(keys.get(key), now);
    const bucket = currentBucket(kind, buckets, now);
    bucket.count += n;
    keys.delete(key);
    keys.set(key, buckets);
    while (keys.size > kind.maxKeys) {
      const oldest = keys.keys().next();
      if (oldest.done) break;
      keys.delete(oldest.value);
    }
    return { start: bucket.start, expiresAt: bucket.expiresAt };
  }

  total(kind: CountKind, key: string, now: number): number {
    const keys = this.byKind.get(kind.name);
    const buckets = keys?.get(key);
    if (keys === undefined || buckets === undefined) return 0;
    const current = live(buckets, now);
    if (current.length === 0) keys.delete(key);
    else if (current.length < buckets.length) keys.set(key, current);
    return current.reduce((sum, b) => sum + b.count, 0);
  }

  keys(kind: CountKind): string[] {
    return [...(this.byKind.get(kind.name)?.keys() ?? [])];
  }

  forget(kind: CountKind, key: string): void {
    this.byKind.get(kind.name)?.delete(key);
  }

  private keysOf(kind: CountKind): Map<string, Bucket[]> {
    let keys = this.byKind.get(kind.name);
    if (keys === undefined) {
      keys = new Map();
      this.byKind.set(kind.name, keys);
    }
    return keys;
  }
}

/** The buckets still in their window at `now` (the same array when none has left). */
function live(buckets: Bucket[] | undefined, now: number): Bucket[] {
  if (buckets === undefined) return [];
  const first = buckets.findIndex((b) => b.expiresAt > now);
  if (first === 0) return buckets;
  return first < 0 ? [] : buckets.slice(first);
}

/**
 * The bucket `now` counts into, appended when new. A clock that stepped back counts into the newest
 * bucket rather than one before it, so nothing is lost and buckets stay in order.
 */
function currentBucket(kind: CountKind, buckets: Bucket[], now: number): Bucket {
  const last = buckets.at(-1);
  if (kind.slots === undefined) {
    if (last !== undefined) return last; // live() kept only a window that has not ended
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
