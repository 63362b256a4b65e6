import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database, RootDatabase } from 'lmdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLmdbEnv } from '../../../src/store/lmdb-env.js';
import { expectNothingFor, waitFor } from '../../helpers/wait-for.js';
import { mountTmpfs, type Tmpfs } from '../../helpers/tmpfs.js';

/**
 * The one LMDB opener on a real 4 MB tmpfs (needs root for mount): the first failed commit
 * retires the handle (closed, never written again), the same objects go on working on a fresh
 * handle, and writes succeed again once there is room. No unhandled rejection on the way.
 */
let base: string;
let disk: Tmpfs;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'postbode-lmdb-env-'));
  disk = mountTmpfs(join(base, 'mnt'), '4m');
  process.on('unhandledRejection', onUnhandled);
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  disk.unmount();
  await rm(base, { recursive: true, force: true });
});

type NativeEnv = { address: number };

describe('openLmdbEnv on a full disk', () => {
  it('retires the failed handle, keeps serving reads, and writes again once space is freed', async (ctx) => {
    if (disk.error) ctx.skip(`needs root to mount a 4 MB tmpfs (mount failed: ${disk.error})`);
    await writeFile(join(disk.path, 'ballast'), Buffer.alloc(1024 * 1024)); // freed at the end
    const root: RootDatabase = openLmdbEnv({ path: join(disk.path, 'env'), maxDbs: 2 });
    const blobs: Database<Buffer, string> = root.openDB<Buffer, string>('blobs', { encoding: 'binary' });
    const first = (root as unknown as { env: NativeEnv }).env;
    const stored: string[] = [];
    let failure: unknown;
    for (let n = 0; n < 40 && failure === undefined; n++) {
      await blobs.put(`b${n}`, Buffer.alloc(200 * 1024, n)).then(
        () => stored.push(`b${n}`),
        (err: unknown) => {
          failure = err;
        },
      );
    }
    expect(stored.length).toBeGreaterThan(3);
    expect(failure).toBeInstanceOf(Error);

    // Once the failed handle's queued writes settled, a new native handle took over; the failed one is
    // closed (its address zeroed), not written to.
    await waitFor(
      () => ((root as unknown as { env: NativeEnv }).env !== first ? true : undefined),
      5_000,
      'a fresh handle in place of the failed one',
    );
    await waitFor(() => (first.address === 0 ? true : undefined), 5_000, 'the failed handle closed');
    stored.forEach((key, n) => expect(blobs.get(key)?.equals(Buffer.alloc(200 * 1024, n))).toBe(true));

    // Still full: a write fails cleanly again. Then room is made and writes succeed.
    await expect(blobs.put('big', Buffer.alloc(900 * 1024, 1))).rejects.toThrow();
    await rm(join(disk.path, 'ballast'));
    await waitFor(
      async () => {
        const ok = await blobs.put('after', Buffer.alloc(200 * 1024, 7)).then(
          () => true,
          () => undefined,
        );
        return ok;
      },
      10_000,
      'a write after space is freed',
    );
    expect(blobs.get('after')?.equals(Buffer.alloc(200 * 1024, 7))).toBe(true);
    await root.close();
    await expectNothingFor(100, () => unhandled.length === 0, 'an unhandled rejection after close');
  }, 30_000);
});
