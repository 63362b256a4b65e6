import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { open } from 'lmdb';
import type { Storage } from '../../src/store/storage.js';
import { LEGACY_FOLDERS } from '../../src/store/legacy-migration.js';

/**
 * The layout of versions before the one environment, for upgrade tests: each owner's databases
 * in an environment of its own at `<dataDir>/<folder>`, under their names without the owner
 * prefix, opened as the old opener did (lmdb's defaults). Today's stores write through it
 * exactly what an older gateway wrote; each store's close() closes its environment.
 */
export function legacyStorage(dataDir: string): Storage {
  const folderOf = new Map(Object.entries(LEGACY_FOLDERS).map(([folder, owner]) => [owner, folder]));
  return {
    dataDir,
    open(owner) {
      const folder = folderOf.get(owner);
      if (folder === undefined) throw new Error(`no legacy folder for ${owner}`);
      const path = join(dataDir, folder);
      mkdirSync(path, { recursive: true });
      return open({ path, maxDbs: 12 });
    },
    close: async () => undefined,
  };
}
