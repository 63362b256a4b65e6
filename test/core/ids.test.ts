import { describe, expect, it } from 'vitest';
import { isQueueId, newQueueId } from '../../src/core/ids.js';

describe('queue ids', () => {
  it('are 26 Crockford base32 characters and sort by time', () => {
    const a = newQueueId(1_700_000_000_000);
    const b = newQueueId(1_700_000_000_001);
    expect(isQueueId(a)).toBe(true);
    expect(a < b).toBe(true);
  });
  it('do not repeat', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newQueueId(5)));
    expect(ids.size).toBe(1000);
  });
});
