import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newQueueId } from '../../../src/core/ids.js';
import type { NewMessage } from '../../../src/core/types.js';
import { openQueue, type LmdbQueue } from '../../../src/queue/lmdb-queue.js';
import { openStores, closeStores } from '../../../src/queue/lmdb-store.js';
import type { RetryPolicy } from '../../../src/queue/retry-schedule.js';
import { waitFor } from '../../helpers/wait-for.js';
import { replyOf } from '../../helpers/smtp-replies.js';
import { storageAt } from '../../helpers/temp-storage.js';

const logger = pino({ level: 'silent' });
const retry: RetryPolicy = { initialDelayMs: 60_000, maxDelayMs: 60_000, maxAgeMs: 3_600_000, jitter: 0 };
const body = Buffer.from('Subject: x\r\n\r\nhi\r\n');
const none: ReadonlySet<string> = new Set();

let dir: string;
const opened: LmdbQueue[] = [];

function open(): LmdbQueue {
  const queue = openQueue({ storage: storageAt(dir), retry, logger });
  opened.push(queue);
  return queue;
}

function mail(receivedAt: number, tenantId: string): NewMessage {
  return {
    id: newQueueId(receivedAt),
    tenantId,
    kind: 'mail',
    envelope: { from: 'a@example.test', to: ['b@example.test'] },
    receivedAt,
    client: { address: '127.0.0.1', helo: 'invoicing' },
    messageId: `<${receivedAt}@example.test>`,
  };
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'postbode-tenant-due-'));
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((q) => q.close()));
  await rm(dir, { recursive: true, force: true });
});

describe('LmdbQueue per-tenant due reads', () => {
  it("finds one tenant's message behind another tenant's 50 000 in well under a millisecond", async () => {
    const queue = open();
    for (let chunk = 0; chunk < 10; chunk++) {
      await Promise.all(
        Array.from({ length: 5_000 }, (_, i) => queue.enqueue(mail(1_000 + chunk * 5_000 + i, 'bulk'), body)),
      );
    }
    const invoice = await queue.enqueue(mail(60_000, 'invoice'), body);
    expect(queue.dueTenants().sort()).toEqual(['bulk', 'invoice']);
    const timings: number[] = [];
    let found: string[] = [];
    for (let run = 0; run < 6; run++) {
      const started = performance.now();
      found = queue.dueOf('invoice', 70_000, 10, none).map((m) => m.id);
      timings.push(performance.now() - started);
    }
    const bulkStarted = performance.now();
    const bulk = queue.dueOf('bulk', 70_000, 100, none);
    const bulkMs = performance.now() - bulkStarted;
    console.log(
      `dueOf() behind 50 000 of another tenant: ${timings.map((t) => t.toFixed(3)).join(', ')} ms; 100 of the ` +
        `50 000: ${bulkMs.toFixed(3)} ms`,
    );
    expect(found).toEqual([invoice.id]);
    const median = [...timings].sort((x, y) => x - y)[3] ?? Infinity;
    expect(median).toBeLessThan(1); // a median: the machine is shared, one run may meet a GC pause
    expect(bulk).toHaveLength(100);
    expect(bulk.every((m) => m.tenantId === 'bulk')).toBe(true);
    // the old global read hands out the bulk tenant's mail first
    expect(queue.due(70_000, 200, none).some((m) => m.id === invoice.id)).toBe(false);
  }, 60_000);

  it(
    'puts fresh mail before due retries, ' + 'skips exclusions and mail not yet due, and forgets finished mail',
    async () => {
      const queue = open();
      const retried = await queue.enqueue(mail(1_000, 't1'), body);
      await queue.record(
        retried.id,
        [{ address: 'b@example.test', outcome: 'deferred', reply: replyOf('451 later') }],
        2_000,
      );
      const fresh = await queue.enqueue(mail(3_000, 't1'), body);
      const other = await queue.enqueue(mail(3_500, 't2'), body);
      expect(queue.dueOf('t1', 10_000, 10, none).map((m) => m.id)).toEqual([fresh.id]); // retry due at 62 000
      expect(queue.dueOf('t1', 70_000, 10, none).map((m) => m.id)).toEqual([fresh.id, retried.id]);
      expect(queue.dueOf('t1', 70_000, 10, new Set([fresh.id])).map((m) => m.id)).toEqual([retried.id]);
      expect(queue.dueOf('t1', 70_000, 1, none).map((m) => m.id)).toEqual([fresh.id]);
      await queue.record(
        fresh.id,
        [{ address: 'b@example.test', outcome: 'delivered', reply: replyOf('250 ok') }],
        4_000,
      );
      await queue.hold(retried.id, 4_000);
      expect(queue.dueOf('t1', 70_000, 10, none)).toEqual([]);
      expect(queue.dueTenants()).toEqual(['t2']);
      expect(queue.dueOf('t2', 70_000, 10, none).map((m) => m.id)).toEqual([other.id]);
    },
  );

  it('rebuilds the per-tenant index at open for a queue written before it existed', async () => {
    let queue = open();
    const a = await queue.enqueue(mail(1_000, 't1'), body);
    await queue.close();
    const stores = openStores(storageAt(dir));
    await stores.tenantDue.clearAsync();
    await closeStores(stores);
    queue = open();
    // The restoring writes commit in their own batch.
    await waitFor(() => queue.dueOf('t1', 5_000, 10, none).length > 0, 8_000, 'the rebuilt per-tenant index');
    expect(queue.dueOf('t1', 5_000, 10, none).map((m) => m.id)).toEqual([a.id]);
  });
});
