import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTenantStore } from '../../src/tenants/lmdb-tenant-store.js';
import { storageAt } from '../helpers/temp-storage.js';
import { tenantStoreContract } from '../store/tenant-store-contract.js';

tenantStoreContract('LMDB (named databases, one environment)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'postbode-tenants-'));
  return {
    open: (opts) => openTenantStore(storageAt(dir), opts),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});
