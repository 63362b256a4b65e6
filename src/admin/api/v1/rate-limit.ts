/**
 * Token buckets per key (per API token, per client IP), in this process's memory. Limits
 * are per node: behind a load balancer a client gets N times the rate, which is acceptable
 * for an admin API and needs no shared state. The map is bounded; the least recently used
 * key goes first.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly maxKeys = 10_000,
  ) {}

  /** Takes one token. 0 when allowed, else the milliseconds until one is available. */
  take(key: string, now: number): number {
    const bucket = this.refill(key, now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return this.waitMs(bucket);
  }

  /** Like take, without taking: how long until one token is available (0 = now). */
  wait(key: string, now: number): number {
    const bucket = this.buckets.get(key);
    return bucket ? this.waitMs(this.refill(key, now)) : 0;
  }

  private waitMs(bucket: { tokens: number }): number {
    if (bucket.tokens >= 1) return 0;
    return this.perSecond > 0 ? Math.ceil(((1 - bucket.tokens) / this.perSecond) * 1000) : Number.POSITIVE_INFINITY;
  }

  private refill(key: string, now: number): { tokens: number; at: number } {
    const old = this.buckets.get(key);
    const elapsed = old ? Math.max(0, now - old.at) / 1000 : 0;
    const bucket = { tokens: old ? Math.min(this.burst, old.tokens + elapsed * this.perSecond) : this.burst, at: now };
    this.buckets.delete(key); // re-inserted last: Map order is the LRU order
    this.buckets.set(key, bucket);
    if (this.buckets.size > this.maxKeys) {
      const oldest = this.buckets.keys().next();
      if (!oldest.done) this.buckets.delete(oldest.value);
    }
    return bucket;
  }
}
