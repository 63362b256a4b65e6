import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { startRetentionSweeper } from '../../../src/queue/retention.js';

describe('retention sweeper', () => {
  it('purges what finished before now - retention, at start and on each tick', async () => {
    const cutoffs: number[] = [];
    const queue = { purgeCompleted: async (olderThan: number) => { cutoffs.push(olderThan); return 3; } };
    let now = 1_000_000;
    const sweeper = startRetentionSweeper(queue, { retentionMs: 5_000, clock: () => now, logger: pino({ level: 'silent' }), everyMs: 20 });
    await new Promise((r) => setTimeout(r, 10));
    expect(cutoffs[0]).toBe(995_000);
    now += 1_000;
    await new Promise((r) => setTimeout(r, 35));
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
        return calls === 1 ? Promise.reject(new Error('disk')) : new Promise<number>((r) => { release = () => r(1); });
      },
    };
    const sweeper = startRetentionSweeper(queue, { retentionMs: 1, clock: () => 10, logger: pino({ level: 'silent' }), everyMs: 60_000 });
    await new Promise((r) => setTimeout(r, 5));
    const a = sweeper.sweep();
    const b = sweeper.sweep();
    expect(calls).toBe(2);
    release();
    expect(await a).toBe(1);
    expect(await b).toBe(1);
    await sweeper.stop();
  });
});
