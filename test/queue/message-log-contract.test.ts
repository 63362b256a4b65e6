import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { openQueue } from '../../src/queue/lmdb-queue.js';
import type { RetryPolicy } from '../../src/queue/retry-schedule.js';
import { storageAt } from '../helpers/temp-storage.js';
import { messageLogContract, type OpenLogQueue } from './message-log-contract.js';
import { queueActionsContract } from './queue-actions-contract.js';

/** The message log and queue actions contracts on LMDB (test/queue/pg-queue-log.test.ts: on PostgreSQL). */
const logger = pino({ level: 'silent' });
const retry: RetryPolicy = { initialDelayMs: 10_000, maxDelayMs: 100_000, maxAgeMs: 1e12, jitter: 0 };

const openLmdb: OpenLogQueue = async (clock) => {
  const dir = await mkdtemp(join(tmpdir(), 'postbode-log-contract-'));
  const queue = openQueue({ storage: storageAt(dir), retry, logger, clock });
  return {
    queue,
    close: async () => {
      await queue.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
};

messageLogContract('LmdbQueue', openLmdb);
queueActionsContract('LmdbQueue', openLmdb);
