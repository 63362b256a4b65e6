import { describe, expect, it } from 'vitest';
import { isExpired, nextDelay, type RetryPolicy } from '../../src/queue/retry-schedule.js';

const policy: RetryPolicy = { initialDelayMs: 1_000, maxDelayMs: 10_000, maxAgeMs: 60_000, jitter: 0 };
const mid = (): number => 0.5; // no spread

describe('nextDelay', () => {
  it('starts at initialDelayMs and doubles per failed attempt', () => {
    expect([1, 2, 3, 4].map((n) => nextDelay(n, policy, mid))).toEqual([1_000, 2_000, 4_000, 8_000]);
  });

  it('is capped at maxDelayMs', () => {
    expect(nextDelay(5, policy, mid)).toBe(10_000);
    expect(nextDelay(50, policy, mid)).toBe(10_000);
    expect(nextDelay(5_000, policy, mid)).toBe(10_000);
  });

  it('treats attempts below 1 as the first failure', () => {
    expect(nextDelay(0, policy, mid)).toBe(1_000);
  });

  it('stays finite with a zero initial delay and many attempts', () => {
    expect(nextDelay(5_000, { ...policy, initialDelayMs: 0 }, mid)).toBe(0);
  });

  it('spreads by at most ±jitter around the base delay', () => {
    const jittered = { ...policy, jitter: 0.2 };
    expect(nextDelay(1, jittered, () => 0)).toBe(800);
    expect(nextDelay(1, jittered, () => 0.999_999)).toBe(1_200);
    expect(nextDelay(5, jittered, () => 0)).toBe(8_000); // jitter applies to the capped delay
    let seed = 7;
    const lcg = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const delays = Array.from({ length: 1_000 }, () => nextDelay(3, jittered, lcg));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(3_200);
    expect(Math.max(...delays)).toBeLessThanOrEqual(4_800);
    expect(new Set(delays).size).toBeGreaterThan(100); // actually spread, not constant
  });

  it('never goes negative with full jitter', () => {
    expect(nextDelay(1, { ...policy, jitter: 1 }, () => 0)).toBe(0);
  });
});

describe('isExpired', () => {
  it('is true from exactly maxAgeMs after arrival', () => {
    expect(isExpired(1_000, 1_999, 1_000)).toBe(false);
    expect(isExpired(1_000, 2_000, 1_000)).toBe(true);
    expect(isExpired(1_000, 9_000, 1_000)).toBe(true);
  });
});
