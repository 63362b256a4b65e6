import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectNothingFor, nextMillisecond, waitFor } from './wait-for.js';

const TEST_DIR = join(import.meta.dirname, '..');

/** Every line of test/ that matches, as 'path: line'. */
function linesMatching(pattern: RegExp): string[] {
  return readdirSync(TEST_DIR, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && join(e.parentPath, e.name) !== import.meta.filename)
    .flatMap((e) => {
      const file = join(e.parentPath, e.name);
      const lines = readFileSync(file, 'utf8').split('\n');
      return lines.filter((l) => pattern.test(l)).map((l) => `${relative(TEST_DIR, file)}: ${l.trim()}`);
    });
}

describe('waitFor', () => {
  it('returns the first value the probe gives, treating undefined, null and false as not yet', async () => {
    let n = 0;
    expect(await waitFor(() => (++n >= 3 ? { n } : n === 1 ? null : undefined))).toEqual({ n: 3 });
    let ready = false;
    setImmediate(() => {
      ready = true;
    });
    expect(await waitFor(() => ready)).toBe(true);
    expect(await waitFor(async () => 0)).toBe(0);
  });

  it('fails after its deadline, naming what it waited for', async () => {
    const started = Date.now();
    await expect(waitFor(() => false, 50, 'the moon')).rejects.toThrow('timed out after 50 ms waiting for the moon');
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('expectNothingFor', () => {
  it('passes when the check holds for the whole time, and fails as soon as it does not', async () => {
    const started = Date.now();
    await expectNothingFor(30, () => true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(30);
    let changed = false;
    setTimeout(() => {
      changed = true;
    }, 10);
    const failing = Date.now();
    await expect(expectNothingFor(5_000, () => !changed, 'no change')).rejects.toThrow(
      'expected no change for 5000 ms',
    );
    expect(Date.now() - failing).toBeLessThan(4_000);
    await expect(
      expectNothingFor(1_000, () => {
        throw new Error('seen');
      }),
    ).rejects.toThrow('seen');
  });
});

describe('nextMillisecond', () => {
  it('returns once the clock has moved past the given time', async () => {
    const from = Date.now();
    await nextMillisecond(from);
    expect(Date.now()).toBeGreaterThan(from);
  });
});

describe('tests wait one way', () => {
  it('defines waitFor only in test/helpers/wait-for.ts', () => {
    const definitions = linesMatching(
      /function\s+(waitFor|until|sleep|tick|delay)\b|const\s+(waitFor|until|sleep|tick|delay)\s*=\s*(async\s*)?\(/,
    );
    expect(definitions).toEqual(['helpers/wait-for.ts: export async function waitFor<T>(']);
  });

  it('has no fixed sleep: a promise resolved by a timer is only a simulated slow server or a bounded race', () => {
    const sleeps = linesMatching(/await new Promise.*setTimeout\(\s*(r|res|resolve)\s*,/);
    expect(sleeps).toEqual([
      // A receiving server that holds each DATA, in an overlap meter: the server is slow, the test does not wait.
      'flows/delivery/delivery-scheduler.test.ts: await new Promise((resolve) => setTimeout(resolve, ms));',
    ]);
  });
});
