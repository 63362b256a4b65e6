import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppendLog, LogEntry } from '../../src/store/append-log.js';

export interface Note extends LogEntry {
  readonly scope?: string;
  readonly text: string;
}

export interface LogPlace {
  /** Opens the log at this place, scoped by `Note.scope` (again after close: what was committed is there). */
  open(): AppendLog<Note>;
  /** Removes whatever the place left behind. */
  cleanup(): Promise<void>;
}

const note = (at: number, scope?: string, text = `at ${at}`): Omit<Note, 'id'> => ({
  at,
  text,
  ...(scope === undefined ? {} : { scope }),
});

/**
 * The contract of an append-only, scoped, pruned log (store/append-log.ts), for every engine:
 * run it with `appendLogContract(name, openPlace)`.
 */
export function appendLogContract(name: string, openPlace: () => Promise<LogPlace>): void {
  describe(`AppendLog contract: ${name}`, () => {
    let place: LogPlace;
    let log: AppendLog<Note>;
    beforeEach(async () => {
      place = await openPlace();
      log = place.open();
    });
    afterEach(async () => {
      await log.close();
      await place.cleanup();
    });

    const texts = async (scope?: string, limit = 100) =>
      (await log.read({ limit, ...(scope === undefined ? {} : { scope }) })).entries.map((e) => e.text);

    it('never shows one scope the entries of another, also for scopes that share a prefix', async () => {
      await log.append(note(1, 't1', 'of t1'));
      await log.append(note(2, 't10', 'of t10'));
      await log.append(note(3, 't1:x', 'of t1:x'));
      await log.append(note(4, undefined, 'of none'));
      await log.append(note(5, 't1', 'of t1 again'));
      expect(await texts('t1')).toEqual(['of t1 again', 'of t1']);
      expect(await texts('t10')).toEqual(['of t10']);
      expect(await texts('t1:x')).toEqual(['of t1:x']);
      expect(await texts('t2')).toEqual([]);
      expect(await texts()).toEqual(['of t1 again', 'of none', 'of t1:x', 'of t10', 'of t1']);
      // A page of one scope is full even when the other scope's entries lie in its range.
      expect(await texts('t1', 1)).toEqual(['of t1 again']);
    });

    it('reads newest first, and keeps the order of entries appended in the same millisecond', async () => {
      const appended = [];
      for (let i = 0; i < 20; i++) appended.push(await log.append(note(i < 10 ? 5000 : 4000, 's', `n${i}`)));
      expect(appended.map((e) => e.text)).toEqual(Array.from({ length: 20 }, (_, i) => `n${i}`));
      expect(new Set(appended.map((e) => e.id)).size).toBe(20);
      const newestFirst = Array.from({ length: 20 }, (_, i) => `n${19 - i}`);
      expect(await texts()).toEqual(newestFirst);
      expect(await texts('s')).toEqual(newestFirst);
    });

    it('pages with limit and cursor until the start, in the whole log and in a scope', async () => {
      for (let i = 1; i <= 7; i++) await log.append(note(1000 * i, i % 2 ? 'odd' : 'even'));
      for (const scope of [undefined, 'odd']) {
        const seen: number[] = [];
        let before: string | undefined;
        for (let pages = 0; pages < 10; pages++) {
          const page = await log.read({ limit: 2, ...(before ? { before } : {}), ...(scope ? { scope } : {}) });
          seen.push(...page.entries.map((e) => e.at));
          if (page.next === undefined) break;
          expect(page.next).toBe(page.entries.at(-1)?.id);
          before = page.next;
        }
        const expected = scope ? [7000, 5000, 3000, 1000] : [7000, 6000, 5000, 4000, 3000, 2000, 1000];
        expect(seen).toEqual(expected);
      }
      expect((await log.read({ limit: 0 })).entries).toHaveLength(1);
      expect((await log.read({ limit: 7 })).next).toBeUndefined();
    });

    it('prunes entries older than the cut-off, from the whole log and from every scope', async () => {
      for (let i = 1; i <= 1200; i++) await log.append(note(i, i % 2 ? 'a' : 'b'));
      expect(await log.prune(1101)).toBe(1100);
      const all = await log.read({ limit: 1000 });
      expect(all.entries.map((e) => e.at)).toEqual(Array.from({ length: 100 }, (_, i) => 1200 - i));
      const ofA = await log.read({ limit: 1000, scope: 'a' });
      expect(ofA.entries).toHaveLength(50);
      expect(ofA.entries.every((e) => e.at >= 1101 && e.scope === 'a')).toBe(true);
      expect(await log.prune(1101)).toBe(0);
    });

    it('keeps what was appended across a close and open, and appends after it in order', async () => {
      const first = await log.append(note(1000, 's', 'before'));
      await log.close();
      log = place.open();
      const page = await log.read({ limit: 10, scope: 's' });
      expect(page.entries).toEqual([first]);
      await log.append(note(2000, 's', 'after'));
      expect(await texts('s')).toEqual(['after', 'before']);
    });
  });
}
