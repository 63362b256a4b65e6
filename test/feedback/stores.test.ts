import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newQueueId } from '../../src/core/ids.js';
import { openMxStores, type MxStores } from '../../src/feedback/mx-stores.js';
import { createSuppressionStore, type SuppressionStore } from '../../src/feedback/suppression-store.js';
import { createInbox } from '../../src/receive/mx/inbox.js';
import { openQueue, type LmdbQueue } from '../../src/queue/lmdb-queue.js';
import { replyOf } from '../helpers/smtp-replies.js';
import { storageAt } from '../helpers/temp-storage.js';

/** The MX's LMDB parts on a real environment: suppression thresholds, the inbox, and the queue's late outcomes. */
let dir: string;
let stores: MxStores;
let suppressions: SuppressionStore;
let queue: LmdbQueue;
const thresholds = { hard: 3, userUnknown: 1 };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'postbode-mx-'));
  stores = openMxStores(storageAt(dir));
  suppressions = createSuppressionStore(stores);
  queue = openQueue({
    storage: storageAt(dir),
    retry: { initialDelayMs: 1000, maxDelayMs: 1000, maxAgeMs: 1e9, jitter: 0 },
    logger: pino({ level: 'silent' }),
  });
});
afterAll(async () => {
  await stores.root.close();
  await queue.close();
  await rm(dir, { recursive: true, force: true });
});

describe('suppression store', () => {
  const bounce = (tenantId: string, address: string, userUnknown: boolean, now: number) =>
    suppressions.recordHardBounce({ tenantId, address, reason: '550 no', userUnknown, now }, thresholds);

  it('suppresses after one "user unknown", or after three other hard bounces, per tenant', async () => {
    expect(await bounce('t1', 'Jan@Customer.test', true, 10)).toMatchObject({
      address: 'jan@customer.test',
      bounces: 1,
      createdAt: 10,
      lastBounceAt: 10,
    });
    expect(await bounce('t1', 'full@customer.test', false, 10)).toBeUndefined();
    expect(await bounce('t1', 'full@customer.test', false, 20)).toBeUndefined();
    expect(await bounce('t1', 'full@customer.test', false, 30)).toMatchObject({ bounces: 3, createdAt: 30 });
    expect(suppressions.get('t1', 'JAN@customer.test')).toBeDefined();
    expect(suppressions.get('t2', 'jan@customer.test')).toBeUndefined();
    expect(suppressions.list('t1').map((e) => e.address)).toEqual(['full@customer.test', 'jan@customer.test']);
    expect(suppressions.list('t2')).toEqual([]);
  });

  it('removing forgets the count; adding by hand keeps an existing entry', async () => {
    expect(await suppressions.remove('t1', 'full@customer.test')).toBe(true);
    expect(await suppressions.remove('t1', 'full@customer.test')).toBe(false);
    expect(await bounce('t1', 'full@customer.test', false, 40)).toBeUndefined();
    expect(await suppressions.add('t1', 'jan@customer.test', 'by hand', 50)).toMatchObject({
      bounces: 1,
      createdAt: 10,
    });
    expect(await suppressions.add('t2', 'New@customer.test', 'by hand', 50)).toEqual({
      address: 'new@customer.test',
      reason: 'by hand',
      bounces: 0,
      createdAt: 50,
    });
  });
});

describe('inbox', () => {
  it('keeps a stored message until removed', async () => {
    const inbox = createInbox(stores);
    const entry = {
      id: newQueueId(),
      receivedAt: 1,
      envelope: { from: '', to: ['bounces+x@b.test'] },
      client: { address: '127.0.0.1', helo: 'mx' },
    };
    await inbox.put(entry, Buffer.from('Subject: x\r\n\r\nbody\r\n'));
    expect(inbox.pending()).toEqual([entry]);
    expect(inbox.body(entry.id)?.toString()).toContain('body');
    await inbox.remove(entry.id);
    expect(inbox.pending()).toEqual([]);
  });
});

describe('queue late outcomes', () => {
  it(
    'a delivered recipient bounces later (one transaction, ' + "today's counts follow); notes keep the status",
    async () => {
      const now = Date.now();
      const msg = await queue.enqueue(
        {
          id: newQueueId(now),
          tenantId: 't1',
          kind: 'mail',
          envelope: { from: 'a@acme.test', to: ['jan@customer.test', 'piet@customer.test'] },
          receivedAt: now,
          client: { address: '127.0.0.1', helo: 'x' },
          messageId: '<m@acme.test>',
        },
        Buffer.from('Subject: x\r\n\r\nx\r\n'),
      );
      await queue.record(
        msg.id,
        [
          { address: 'jan@customer.test', outcome: 'delivered', reply: replyOf('250 ok') },
          { address: 'piet@customer.test', outcome: 'delivered', reply: replyOf('250 ok') },
        ],
        now,
      );
      expect(queue.summary('t1')).toMatchObject({ deliveredToday: 2, bouncedToday: 0 });

      const after = await queue.lateBounce(msg.id, 'JAN@customer.test', '550 5.1.1 User unknown', now + 1);
      expect(after?.recipients[0]).toMatchObject({ status: 'bounced', lastReply: '550 5.1.1 User unknown' });
      expect(after?.recipients[0]?.history.at(-1)).toEqual({
        at: now + 1,
        outcome: 'bounced',
        reply: '550 5.1.1 User unknown',
        nextHop: 'dsn',
      });
      expect(queue.summary('t1')).toMatchObject({ deliveredToday: 1, bouncedToday: 1 });
      // the same DSN twice changes nothing
      expect(
        (await queue.lateBounce(msg.id, 'jan@customer.test', '550 again', now + 2))?.recipients[0]?.lastReply,
      ).toBe('550 5.1.1 User unknown');

      const noted = await queue.addNote(msg.id, 'piet@customer.test', 'delayed', 'delayed: 451 later', now + 3);
      expect(noted?.recipients[1]).toMatchObject({ status: 'delivered' });
      expect(noted?.recipients[1]?.history.at(-1)).toEqual({
        at: now + 3,
        outcome: 'delayed',
        reply: 'delayed: 451 later',
      });
      expect(queue.get(msg.id)?.recipients[1]?.history.at(-1)?.outcome).toBe('delayed');

      expect(await queue.lateBounce(msg.id, 'nobody@customer.test', '550', now)).toBeUndefined();
      expect(await queue.lateBounce(newQueueId(), 'jan@customer.test', '550', now)).toBeUndefined();
    },
  );
});
