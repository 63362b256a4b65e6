import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newQueueId } from '../../../src/core/ids.js';
import type { NewMessage, RecipientResult } from '../../../src/core/types.js';
import { BodyArchive } from '../../../src/queue/body-archive.js';
import { closeStores, openStores } from '../../../src/queue/lmdb-store.js';
import { openQueue, type LmdbQueue, type QueueOptions } from '../../../src/queue/lmdb-queue.js';
import type { RetryPolicy } from '../../../src/queue/retry-schedule.js';
import { replyOf } from '../../helpers/smtp-replies.js';
import { storageAt } from '../../helpers/temp-storage.js';

/** Finished bodies move from the queue environment to the archive environment (body-archive.ts). */
const logger = pino({ level: 'silent' });
const retry: RetryPolicy = { initialDelayMs: 10, maxDelayMs: 100, maxAgeMs: 1e12, jitter: 0 };

let dir: string;
const opened: LmdbQueue[] = [];

function open(extra: Partial<QueueOptions> = {}): LmdbQueue {
  const queue = openQueue({ storage: storageAt(dir), retry, logger, ...extra });
  opened.push(queue);
  return queue;
}

function mail(receivedAt: number, to: string[] = ['b@example.test']): NewMessage {
  return {
    id: newQueueId(receivedAt),
    tenantId: 't1',
    kind: 'mail',
    envelope: { from: 'a@example.test', to },
    receivedAt,
    client: { address: '127.0.0.1', helo: 'invoicing' },
    messageId: `<${receivedAt}@example.test>`,
  };
}

/** Headers, then a 50 KB body with every byte value but NUL. */
function rawMail(n: number): Buffer {
  const body = Buffer.alloc(50 * 1024);
  for (let i = 0; i < body.length; i++) body[i] = ((i + n) % 255) + 1;
  return Buffer.concat([Buffer.from(`From: a@example.test\r\nSubject: Factuur ${n}\r\n\r\n`), body]);
}

const delivered = (address = 'b@example.test'): RecipientResult => ({
  address,
  outcome: 'delivered',
  reply: replyOf('250 ok'),
});

/** What each environment holds for `id`, read with the queue closed. */
async function where(
  id: string,
  archivePath = join(dir, 'queue-archive'),
): Promise<{ queue: boolean; archive: Buffer | undefined }> {
  const stores = openStores(storageAt(dir));
  const archive = BodyArchive.open(archivePath, logger);
  const found = { queue: stores.bodies.doesExist(id), archive: archive.get(id) };
  await closeStores(stores);
  await archive.close();
  return found;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'postbode-archive-'));
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((q) => q.close()));
  await rm(dir, { recursive: true, force: true });
});

describe('LmdbQueue body archive', () => {
  it('moves the body to the archive when record() completes the message, still served byte-identical', async () => {
    const queue = open();
    const raw = rawMail(1);
    const m = await queue.enqueue(mail(1_000, ['b@example.test', 'c@example.test']), raw);
    await queue.record(m.id, [delivered('b@example.test')], 2_000); // still pending: body stays
    await queue.close();
    expect(await where(m.id)).toEqual({ queue: true, archive: undefined });

    const again = open();
    const headersBefore = again.headers(m.id);
    await again.record(m.id, [delivered('c@example.test')], 3_000);
    expect(again.get(m.id)?.completedAt).toBe(3_000);
    expect(again.body(m.id)?.equals(raw)).toBe(true);
    expect(again.headers(m.id)).toBe(headersBefore);
    expect(again.headers(m.id)).toBe('From: a@example.test\r\nSubject: Factuur 1\r\n');
    await again.close();

    const found = await where(m.id);
    expect(found.queue).toBe(false);
    expect(found.archive?.equals(raw)).toBe(true);

    const third = open();
    expect(third.body(m.id)?.equals(raw)).toBe(true);
    expect(await third.purgeCompleted(1e15)).toBe(1);
    expect(third.body(m.id)).toBeUndefined();
    expect(third.headers(m.id)).toBeUndefined();
    await third.close();
    expect(await where(m.id)).toEqual({ queue: false, archive: undefined });
  });

  it('archives many completions of one event turn, and cancel() and expire() move bodies too', async () => {
    const queue = open();
    const ms = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => queue.enqueue(mail(1_000 + n), rawMail(n))));
    await Promise.all(ms.slice(0, 4).map((m) => queue.record(m.id, [delivered()], 2_000)));
    await queue.cancel(ms[4]!.id, 2_000, 'dropped by admin');
    await queue.expire(ms[5]!.id, ['b@example.test'], 2_000, 'too old');
    ms.forEach((m, n) => expect(queue.body(m.id)?.equals(rawMail(n + 1))).toBe(true));
    await queue.close();
    for (const [n, m] of ms.entries()) {
      const found = await where(m.id);
      expect(found.queue).toBe(false);
      expect(found.archive?.equals(rawMail(n + 1))).toBe(true);
    }
  });

  it('uses archivePath when given', async () => {
    const archivePath = join(dir, 'elsewhere', 'archive');
    const queue = open({ archivePath });
    const m = await queue.enqueue(mail(1_000), rawMail(7));
    await queue.record(m.id, [delivered()], 2_000);
    await queue.close();
    const found = await where(m.id, archivePath);
    expect(found.queue).toBe(false);
    expect(found.archive?.equals(rawMail(7))).toBe(true);
  });

  it(
    'after a crash between the archive write and the completion: ' + 'body served, message pending and deliverable',
    async () => {
      const queue = open();
      const raw = rawMail(8);
      const m = await queue.enqueue(mail(1_000), raw);
      await queue.close();
      // What a crash right after the archive put leaves: the body in both, the record still pending.
      const archive = BodyArchive.open(join(dir, 'queue-archive'), logger);
      expect(await archive.put(m.id, raw)).toBe(true);
      await archive.close();

      const again = open();
      expect(again.get(m.id)?.recipients[0]?.status).toBe('queued');
      expect(again.body(m.id)?.equals(raw)).toBe(true);
      expect(again.due(1e15, 10, new Set()).map((x) => x.id)).toEqual([m.id]);
      expect(again.depth().messages).toBe(1);
      const done = await again.record(m.id, [delivered()], 2_000); // the archive put again is idempotent
      expect(done.completedAt).toBe(2_000);
      expect(again.body(m.id)?.equals(raw)).toBe(true);
      await again.close();
      const found = await where(m.id);
      expect(found.queue).toBe(false);
      expect(found.archive?.equals(raw)).toBe(true);
    },
  );
});
