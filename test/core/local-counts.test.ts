import { describe, expect, it } from 'vitest';
import { LocalCounts } from '../../src/core/local-counts.js';
import type { CountKind } from '../../src/core/shared-counts.js';

const hourKind: CountKind = { name: 'hour', windowMs: 3600_000, slots: 60, maxKeys: 10 };
const dayKind: CountKind = { name: 'day', windowMs: 86_400_000, slots: 24, maxKeys: 10 };
const fixedKind: CountKind = { name: 'fixed', windowMs: 10_000, maxKeys: 10 };

describe('LocalCounts, sliding windows', () => {
  it('counts events in the last window, forgetting whole slots as the window moves', () => {
    const counts = new LocalCounts();
    counts.add(hourKind, 'k', 1, 0);
    counts.add(hourKind, 'k', 2, 30_000);
    counts.add(hourKind, 'k', 1, 61_000);
    expect(counts.total(hourKind, 'k', 61_000)).toBe(4);
    expect(counts.total(hourKind, 'k', 3600_000)).toBe(1); // the first minute's 3 left the window
    expect(counts.total(hourKind, 'k', 3661_000)).toBe(0);
    expect(counts.total(hourKind, 'k', 10 * 3600_000)).toBe(0);
    expect(counts.keys(hourKind)).toEqual([]); // an empty key is dropped
  });

  it('counts a step back of the clock into the current slot instead of losing it', () => {
    const counts = new LocalCounts();
    counts.add(dayKind, 'k', 1, 10 * 3600_000);
    counts.add(dayKind, 'k', 1, 9 * 3600_000);
    expect(counts.total(dayKind, 'k', 10 * 3600_000)).toBe(2);
    expect(counts.total(dayKind, 'k', 34 * 3600_000 - 1)).toBe(2);
    expect(counts.total(dayKind, 'k', 34 * 3600_000)).toBe(0);
  });

  it('keeps kinds and keys apart', () => {
    const counts = new LocalCounts();
    counts.add(hourKind, 'a', 3, 0);
    counts.add(dayKind, 'a', 1, 0);
    expect(counts.total(hourKind, 'a', 1)).toBe(3);
    expect(counts.total(dayKind, 'a', 1)).toBe(1);
    expect(counts.total(hourKind, 'b', 1)).toBe(0);
    counts.forget(hourKind, 'a');
    expect(counts.total(hourKind, 'a', 1)).toBe(0);
    expect(counts.total(dayKind, 'a', 1)).toBe(1);
  });
});

describe('LocalCounts, fixed windows from the first count', () => {
  it('ends the window windowMs after its first count, then starts a new one', () => {
    const counts = new LocalCounts();
    counts.add(fixedKind, 'ip', 1, 1_000);
    counts.add(fixedKind, 'ip', 1, 10_999);
    expect(counts.total(fixedKind, 'ip', 10_999)).toBe(2);
    expect(counts.total(fixedKind, 'ip', 11_000)).toBe(0); // the later count went with the window
    counts.add(fixedKind, 'ip', 1, 11_000);
    expect(counts.total(fixedKind, 'ip', 20_999)).toBe(1);
    expect(counts.total(fixedKind, 'ip', 21_000)).toBe(0);
  });

  it('keeps at most maxKeys, the least recently counted going first', () => {
    const counts = new LocalCounts();
    const small: CountKind = { ...fixedKind, maxKeys: 2 };
    counts.add(small, 'a', 1, 0);
    counts.add(small, 'b', 1, 0);
    counts.add(small, 'a', 1, 0); // a is now the newest
    counts.add(small, 'c', 1, 0);
    expect(counts.keys(small)).toEqual(['a', 'c']);
    expect(counts.total(small, 'b', 0)).toBe(0);
    expect(counts.total(small, 'a', 0)).toBe(2);
  });
});
