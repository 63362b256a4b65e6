import { storageAt } from '../../helpers/temp-storage.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openQueue, type LmdbQueue } from '../../../src/queue/lmdb-queue.js';
import { copyId, mail, note, original } from '../../queue/effects-contract.js';

/**
 * The pipeline's effects (accountant copies, annotations) are written by the queue in one
 * LMDB transaction: both or neither. Real LMDB in a temporary directory. What every queue does
 * with them is in the queue contract (test/queue/effects-contract.ts); this is LMDB's own failure.
 */
const logger = pino({ level: 'silent' });
const retry = { initialDelayMs: 10, maxDelayMs: 100, maxAgeMs: 60_000, jitter: 0 };

let dir: string;
let queue: LmdbQueue;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'postbode-effects-'));
  queue = openQueue({ storage: storageAt(dir), retry, logger });
});
afterEach(async () => {
  await queue.close();
  await rm(dir, { recursive: true, force: true });
});

describe('writeEffects', () => {
  it('writes neither on a closed queue', async () => {
    await queue.close();
    const write = queue.writeEffects({
      copies: [{ message: mail(copyId), raw: Buffer.from('copy') }],
      annotations: [{ queueId: original, note }],
    });
    await expect(write).rejects.toThrow();
    queue = openQueue({ storage: storageAt(dir), retry, logger });
    expect(queue.get(copyId)).toBeUndefined();
    expect(queue.annotation(original)).toBeUndefined();
  });
});
