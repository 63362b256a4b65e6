import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { closeMxStores, openMxStores } from '../../src/feedback/mx-stores.js';
import { openMxData, type MxData } from '../../src/receive/mx/mx-data.js';
import { pgNodes } from '../helpers/pg-nodes.js';
import type { TestPostgres } from '../helpers/postgres.js';
import { storageAt } from '../helpers/temp-storage.js';

export type MxBackend = 'lmdb' | 'postgres';

/** The MX's data as nodes open it (receive/mx/mx-data.ts): each node its own LMDB, on PostgreSQL one database. */
export interface MxDataNodes {
  /** A node: its own data folder; on PostgreSQL its own pool on the shared database. */
  node(): Promise<MxData>;
  /** Closes every node and pool, removes the folders. */
  end(): Promise<void>;
}

export async function mxDataNodes(backend: MxBackend, cluster?: TestPostgres): Promise<MxDataNodes> {
  const dir = await mkdtemp(join(tmpdir(), 'postbode-mx-data-'));
  const logger = pino({ level: 'silent' });
  const pools = backend === 'postgres' && cluster ? await pgNodes(cluster) : undefined;
  const closers: Array<() => Promise<void>> = [];
  let count = 0;
  return {
    async node() {
      const stores = openMxStores(storageAt(join(dir, `node-${++count}`)));
      const data = await openMxData(stores, logger, pools?.node());
      closers.push(async () => {
        await data.close();
        await closeMxStores(stores);
      });
      return data;
    },
    async end() {
      for (const close of closers.splice(0)) await close();
      await pools?.end();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
