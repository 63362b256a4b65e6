import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { openQueue } from '../../src/queue/lmdb-queue.js';
import { MemoryQueue } from '../helpers/memory-queue.js';
import { queueContract } from './queue-contract.js';
import { storageAt } from '../helpers/temp-storage.js';

const logger = pino({ level: 'silent' });

queueContract('LmdbQueue', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'postbode-contract-'));
  const retry = { initialDelayMs: 60_000, maxDelayMs: 600_000, maxAgeMs: 90 * 86_400_000, jitter: 0.2 };
  const queue = openQueue({ storage: storageAt(dir), retry, logger });
  return {
    queue,
    close: async () => {
      await queue.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

queueContract('MemoryQueue', async () => {
  const queue = new MemoryQueue();
  return { queue, close: () => queue.close() };
});
