import { mkdtemp, rm, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { BodyArchive } from '../../src/queue/body-archive.js';
import { mountTmpfs } from '../helpers/tmpfs.js';
import { blobStoreContract } from './blob-store-contract.js';

/** Fills every free byte with a plain file next to the environment; answers the function that frees it. */
async function fill(path: string): Promise<() => Promise<void>> {
  const ballast = join(path, 'ballast');
  const s = await statfs(path);
  await writeFile(ballast, Buffer.alloc(s.bavail * s.bsize)).catch(() => undefined);
  return () => rm(ballast, { force: true });
}

// The body archive (its own LMDB environment), on a 32 MB tmpfs: room for the 10 MB blob, and a
// disk that can be filled.
blobStoreContract('LMDB body archive (its own environment)', async () => {
  const base = await mkdtemp(join(tmpdir(), 'postbode-blobs-'));
  const disk = mountTmpfs(join(base, 'mnt'), '32m');
  const dataDir = disk.error ? base : disk.path;
  return {
    open: () => BodyArchive.open(join(dataDir, 'archive'), pino({ level: 'silent' })),
    fillDisk: async () => (disk.error ? undefined : fill(dataDir)),
    cleanup: async () => {
      disk.unmount();
      await rm(base, { recursive: true, force: true });
    },
  };
});
