import { mkdtemp, rm, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTenantDocuments } from '../../src/store/tenant-documents.js';
import { storageAt } from '../helpers/temp-storage.js';
import { mountTmpfs } from '../helpers/tmpfs.js';
import { tenantDocumentsContract } from './tenant-documents-contract.js';

/** Fills every free byte with a plain file next to the environment; answers the function that frees it. */
async function fill(path: string): Promise<() => Promise<void>> {
  const ballast = join(path, 'ballast');
  const s = await statfs(path);
  await writeFile(ballast, Buffer.alloc(s.bavail * s.bsize)).catch(() => undefined);
  return () => rm(ballast, { force: true });
}

// The LMDB implementation in the one environment, on a 4 MB tmpfs so the disk can be filled.
tenantDocumentsContract('LMDB (named database in the one environment)', async () => {
  const base = await mkdtemp(join(tmpdir(), 'postbode-documents-'));
  const disk = mountTmpfs(join(base, 'mnt'), '4m');
  const dataDir = disk.error ? base : disk.path;
  return {
    open: () => openTenantDocuments(storageAt(dataDir), 'contract', 'documents'),
    fillDisk: async () => (disk.error ? undefined : fill(dataDir)),
    cleanup: async () => {
      disk.unmount();
      await rm(base, { recursive: true, force: true });
    },
  };
});
