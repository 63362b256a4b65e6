import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { announcingQueue } from '../../src/cluster/announcing-queue.js';
import { newQueueId } from '../../src/core/ids.js';
import type { NewMessage, QueuedMessage } from '../../src/core/types.js';
import { openQueue, type LmdbQueue } from '../../src/queue/lmdb-queue.js';
import { storageAt } from '../helpers/temp-storage.js';

/**
 * Two LmdbQueues on one environment stand for two worker processes: the receiver's writes reach the
 * disk both read, but only the delivering one's counters say which tenants have mail due, so the
 * receiver announces what it queued and the leader counts it.
 */
const logger = pino({ level: 'silent' });
const retry = { initialDelayMs: 60_000, maxDelayMs: 600_000, maxAgeMs: 86_400_000, jitter: 0 };
const T = 1_700_000_000_000;

let dir: string;
let leader: LmdbQueue;
let receiver: LmdbQueue;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'postbode-announce-'));
  const storage = storageAt(dir);
  leader = openQueue({ storage, retry, logger, takeLeases: true });
  receiver = openQueue({ storage, retry, logger });
});

afterEach(async () => {
  await receiver.close();
  await leader.close();
  await rm(dir, { recursive: true, force: true });
});

function mail(tenantId: string, to = 'klant@example.test'): NewMessage {
  return {
    id: newQueueId(T),
    tenantId,
    kind: 'mail',
    envelope: { from: 'facturen@example.test', to: [to] },
    receivedAt: T,
    client: { address: '127.0.0.1', helo: 'invoicing' },
    messageId: `<${T}@example.test>`,
  };
}

describe('a receiving worker announces what it queued', () => {
  it('the leader counts announced messages and finds them due; unannounced ones only after a recount', async () => {
    const told: QueuedMessage[] = [];
    const queue = announcingQueue(receiver, (records) => told.push(...records));
    const announced = await queue.enqueue(mail('t-told'), Buffer.from('body'));
    await receiver.enqueue(mail('t-silent'), Buffer.from('body'));

    expect(told.map((r) => r.id)).toEqual([announced.id]);
    expect(leader.dueTenants()).toEqual([]);
    leader.noteQueued(told);
    expect(leader.dueTenants()).toEqual(['t-told']);
    expect(leader.dueOf('t-told', T + 1, 10, new Set()).map((m) => m.id)).toEqual([announced.id]);
    expect(leader.countPending('t-silent')).toBe(0);

    leader.recount();
    expect(leader.dueTenants().sort()).toEqual(['t-silent', 't-told']);
    expect(leader.depth().messages).toBe(2);
  });

  it('copies written as a plan effect are announced too, and a failed enqueue announces nothing', async () => {
    const told: QueuedMessage[] = [];
    const queue = announcingQueue(receiver, (records) => told.push(...records));
    const original = mail('t1');
    const copy = { message: mail('t1', 'boekhouder@example.test'), raw: Buffer.from('copy') };
    await queue.writeEffects({ copies: [copy], annotations: [] });
    expect(told.map((r) => r.envelope.to)).toEqual([['boekhouder@example.test']]);
    await queue.enqueue(original, Buffer.from('body'));
    await expect(queue.enqueue(original, Buffer.from('again'))).rejects.toThrow(/already in use/);
    expect(told).toHaveLength(2);
  });

  it('every other method reaches the queue itself', async () => {
    const queue = announcingQueue(receiver, () => undefined);
    const record = await queue.enqueue(mail('t1'), Buffer.from('body'));
    expect((await queue.get(record.id))?.id).toBe(record.id);
    expect(queue.depth().messages).toBe(1);
    expect(queue.replayed).toBe(0);
  });
});

describe('a receiving worker opens its queue', () => {
  it('without counting the pending mail (nobody reads its depth); the delivering worker counts it', async () => {
    await leader.enqueue(mail('t1'), Buffer.from('body'));
    await leader.enqueue(mail('t2'), Buffer.from('body'));
    const storage = storageAt(dir);
    const quiet = openQueue({ storage, retry, logger, countDepth: false });
    const counting = openQueue({ storage, retry, logger });
    try {
      expect(quiet.depth().messages).toBe(0);
      expect(quiet.dueTenants()).toEqual([]);
      expect(counting.depth().messages).toBe(2);
      expect(counting.dueTenants().sort()).toEqual(['t1', 't2']);
    } finally {
      await quiet.close();
      await counting.close();
    }
  });
});
