import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { startRetentionSweeper } from '../../src/queue/retention.js';
import { waitFor } from '../helpers/wait-for.js';

describe('retention sweeper', () => {
  it('purges what finished before now - retention, at start and on each tick', async () => {
    const cutoffs: number[] = [];
    const queue = {
      purgeCompleted: async (olderThan: number) => {
        cutoffs.push(olderThan);
        return 3;
      },
    };
    let now = 1_000_000;
    const sweeper = startRetentionSweeper(queue, {
      retentionMs: 5_000,
      clock: () => now,
      logger: pino({ level: 'silent' }),
      everyMs: 20,
    });
    await waitFor(() => cutoffs.length > 0, 8_000, 'the sweep at start');
    expect(cutoffs[0]).toBe(995_000);
    now += 1_000;
    await waitFor(() => cutoffs.at(-1) === 996_000, 8_000, 'a sweep on the timer');
    await sweeper.stop();
    expect(cutoffs.length).toBeGreaterThanOrEqual(2);
    expect(cutoffs.at(-1)).toBe(996_000);
  });

  it('survives a failing purge and runs one sweep at a time', async () => {
    let calls = 0;
    let release: () => void = () => undefined;
    const queue = {
      purgeCompleted: () => {
        calls++;
        return calls === 1
          ? Promise.reject(new Error('disk'))
          : new Promise<number>((r) => {
              release = () => r(1);
            });
      },
    };
    const sweeper = startRetentionSweeper(queue, {
      retentionMs: 1,
      clock: () => 10,
      logger: pino({ level: 'silent' }),
      everyMs: 60_000,
    });
    // A new sweep starts only once the failed one (at start) is over; until then sweep() joins it.
    const { a } = await waitFor(
      () => {
        const s = sweeper.sweep();
        return calls === 2 ? { a: s } : undefined;
      },
      8_000,
      'a sweep after the failed one',
    );
    const b = sweeper.sweep();
    expect(calls).toBe(2);
    release();
    expect(await a).toBe(1);
    expect(await b).toBe(1);
    await sweeper.stop();
  });
});
