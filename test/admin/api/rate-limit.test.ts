import { describe, expect, it } from 'vitest';
import { TokenBuckets } from '../../../src/admin/api/v1/rate-limit.js';

describe('token buckets', () => {
  it('allows a burst, then the rate, and says how long to wait', () => {
    const buckets = new TokenBuckets(2, 3);
    expect([0, 0, 0].map(() => buckets.take('k', 0))).toEqual([0, 0, 0]);
    expect(buckets.take('k', 0)).toBe(500);
    expect(buckets.take('k', 499)).toBe(2);
    expect(buckets.take('k', 501)).toBe(0);
    expect(buckets.take('other', 501)).toBe(0);
  });

  it('refills up to the burst only', () => {
    const buckets = new TokenBuckets(10, 2);
    buckets.take('k', 0);
    buckets.take('k', 0);
    expect(buckets.wait('k', 0)).toBe(100);
    const allowed = [0, 0, 0].map(() => buckets.take('k', 60_000));
    expect(allowed).toEqual([0, 0, 100]);
  });

  it('wait() takes nothing and knows nothing of unseen keys', () => {
    const buckets = new TokenBuckets(1, 1);
    expect(buckets.wait('k', 0)).toBe(0);
    expect(buckets.wait('k', 0)).toBe(0);
    expect(buckets.take('k', 0)).toBe(0);
    expect(buckets.wait('k', 0)).toBe(1000);
  });

  it('forgets the least recently used key beyond its bound', () => {
    const buckets = new TokenBuckets(1, 1, 2);
    buckets.take('a', 0);
    buckets.take('b', 0);
    buckets.take('a', 0);
    buckets.take('c', 0);
    expect(buckets.wait('a', 0)).toBe(1000);
    expect(buckets.wait('b', 0)).toBe(0);
  });
});
