import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createInbox, type Inbox } from '../../../src/receive/mx/inbox.js';
import type { MxContext } from '../../../src/feedback/mx-context.js';
import { createMxProcessor } from '../../../src/receive/mx/mx-processor.js';
import { openMxStores, type MxStores } from '../../../src/feedback/mx-stores.js';
import { expectNothingFor, waitFor } from '../../helpers/wait-for.js';
import { storageAt } from '../../helpers/temp-storage.js';

/** The processor over a real LMDB inbox, with a handler that fails on demand. */
let dir: string;
let stores: MxStores;
let inbox: Inbox;
const ctx = { logger: pino({ level: 'silent' }) } as unknown as MxContext;
const entry = (id: string) => ({
  id,
  receivedAt: 1,
  envelope: { from: '', to: ['bounces+x@mail.example.test'] },
  client: { address: '127.0.0.1', helo: 'mx' },
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'postbode-mxproc-'));
  stores = openMxStores(storageAt(dir));
  inbox = createInbox(stores);
});

afterEach(async () => {
  await stores.root.close();
  await rm(dir, { recursive: true, force: true });
});

describe('MX processor', () => {
  it('keeps a message whose processing failed and tries it again with backoff until it works', async () => {
    const calls: number[] = [];
    let failuresLeft = 2;
    const processor = createMxProcessor(
      ctx,
      inbox,
      async () => {
        calls.push(Date.now());
        if (failuresLeft-- > 0) throw new Error('queue full');
      },
      { firstMs: 20, maxMs: 40 },
    );
    await inbox.put(entry('M1'), Buffer.from('bounce\r\n'));
    processor.submit('M1');
    await waitFor(() => calls.length >= 3 && inbox.pending().length === 0, 8_000, 'three tries and an empty inbox');
    expect(calls).toHaveLength(3);
    expect(calls[1]! - calls[0]!).toBeGreaterThanOrEqual(15);
    expect(inbox.pending()).toEqual([]);
    processor.stop();
  });

  it('stops retrying after stop(): the message stays in the inbox for the next start', async () => {
    let calls = 0;
    const processor = createMxProcessor(
      ctx,
      inbox,
      async () => {
        calls++;
        throw new Error('still failing');
      },
      { firstMs: 20, maxMs: 20 },
    );
    await inbox.put(entry('M2'), Buffer.from('reply\r\n'));
    processor.submit('M2');
    await processor.idle();
    processor.stop();
    await expectNothingFor(80, () => calls === 1, 'no retry after stop()');
    expect(calls).toBe(1);
    expect(inbox.pending().map((e) => e.id)).toEqual(['M2']);
  });
});
