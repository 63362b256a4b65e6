import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openHoldRulesStore, type HoldRulesStore } from '../../../src/pipeline/review/hold-rules-store.js';
import { storageAt } from '../../helpers/temp-storage.js';

/**
 * "Hold the first N messages after a settings change": two stores on one environment stand for two
 * worker processes rendering the same tenant's mail. The places are handed out once across both.
 */
let dir: string;
let a: HoldRulesStore;
let b: HoldRulesStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'postbode-countdown-'));
  a = await openHoldRulesStore(storageAt(dir));
  b = await openHoldRulesStore(storageAt(dir));
});

afterEach(async () => {
  await a.close();
  await b.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the countdown after a settings change', () => {
  it('gives each place once across two stores on one environment, then holds no more', () => {
    expect(a.takeAfterChange('t1', 'settings-v1', 3)).toEqual({ held: false, place: 0 }); // starts the watch
    const taken = [a, b, a, b, b].map((store) => store.takeAfterChange('t1', 'settings-v2', 3));
    expect(taken).toEqual([
      { held: true, place: 1 },
      { held: true, place: 2 },
      { held: true, place: 3 },
      { held: false, place: 0 },
      { held: false, place: 0 },
    ]);
    // Another change starts a new countdown, seen by both.
    expect(b.takeAfterChange('t1', 'settings-v3', 1)).toEqual({ held: true, place: 1 });
    expect(a.takeAfterChange('t1', 'settings-v3', 1)).toEqual({ held: false, place: 0 });
  });
});
