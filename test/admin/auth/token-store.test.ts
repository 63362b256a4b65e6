import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTokenStore } from '../../../src/admin/auth/token-store.js';
import { storageAt } from '../../helpers/temp-storage.js';
import { tokenStoreContract } from '../../store/token-store-contract.js';

tokenStoreContract('LMDB (named databases, one environment)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'postbode-tokens-'));
  return {
    open: () => openTokenStore(storageAt(dir)),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});
