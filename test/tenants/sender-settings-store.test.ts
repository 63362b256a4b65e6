import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSenderSettingsStore } from '../../src/tenants/sender-settings-store.js';
import { storageAt } from '../helpers/temp-storage.js';
import { senderSettingsContract } from '../store/sender-settings-contract.js';

senderSettingsContract('LMDB (named databases, one environment)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'postbode-sender-'));
  return {
    open: () => openSenderSettingsStore(storageAt(dir)),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});
