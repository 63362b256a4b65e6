import { describe, expect, it } from 'vitest';
import { SlidingCount } from '../../src/tenants/sliding-count.js';

describe('SlidingCount', () => {
  it('counts events in the last window, forgetting whole slots as the window moves', () => {
    const hour = new SlidingCount(3600_000, 60);
    hour.add(0);
    hour.add(30_000, 2);
    hour.add(61_000);
    expect(hour.total(61_000)).toBe(4);
    expect(hour.total(3600_000)).toBe(1); // the first minute's 3 left the window
    expect(hour.total(3661_000)).toBe(0);
    expect(hour.empty(10 * 3600_000)).toBe(true);
  });

  it('counts a step back of the clock into the current slot instead of losing it', () => {
    const day = new SlidingCount(86_400_000, 24);
    day.add(10 * 3600_000);
    day.add(9 * 3600_000);
    expect(day.total(10 * 3600_000)).toBe(2);
  });
});
