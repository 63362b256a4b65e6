import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openComplaintStore, type ComplaintStore } from '../../src/feedback/arf-store.js';
import { isLmdbCommitFailure, isStorageFull } from '../../src/store/storage-errors.js';
import { storageAt } from '../helpers/temp-storage.js';
import { mountTmpfs, type Tmpfs } from '../helpers/tmpfs.js';
import { expectNothingFor } from '../helpers/wait-for.js';

/**
 * The complaint store on a real 4 MB tmpfs that fills up: a complaint that cannot be written rejects (the MX keeps the
 * report in its inbox and tries again), never hangs, and what was written before stays readable.
 */
let base: string;
let disk: Tmpfs;
let store: ComplaintStore | undefined;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'postbode-arf-full-'));
  disk = mountTmpfs(join(base, 'mnt'), '4m');
  process.on('unhandledRejection', onUnhandled);
});
afterAll(async () => {
  await store?.close().catch(() => undefined);
  process.off('unhandledRejection', onUnhandled);
  disk.unmount();
  await rm(base, { recursive: true, force: true });
});

describe('complaint store on a full disk', () => {
  it('rejects the write and keeps the complaints it had', async (ctx) => {
    if (disk.error) ctx.skip(`needs root to mount a 4 MB tmpfs (mount failed: ${disk.error})`);
    store = openComplaintStore(storageAt(disk.path));
    const now = Date.now();
    await store.record('T1', { at: now, queueId: 'Q1', recipient: 'a@c.test', feedbackType: 'abuse' });
    // Fill what is left of the disk, so the next commit has no room.
    let filler = 0;
    for (let n = 0; n < 64; n++) {
      const wrote = await writeFile(join(disk.path, `fill-${n}`), Buffer.alloc(256 * 1024)).then(
        () => true,
        () => false,
      );
      if (!wrote) break;
      filler++;
    }
    expect(filler).toBeGreaterThan(0);
    let failure: unknown;
    for (let n = 0; n < 200 && failure === undefined; n++) {
      const big = { at: now + n, queueId: `Q${n}`, feedbackType: 'x'.repeat(64 * 1024) };
      await store.record('T1', big).catch((err: unknown) => {
        failure = err;
      });
    }
    expect(isStorageFull(failure) || isLmdbCommitFailure(failure)).toBe(true);
    expect(store.summary('T1', now + 1).recent.at(-1)).toMatchObject({ queueId: 'Q1', recipient: 'a@c.test' });
    await expectNothingFor(50, () => unhandled.length === 0, 'no unhandled rejection');
    expect(unhandled).toEqual([]);
  });
});
