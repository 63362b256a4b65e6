import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isGatewayError } from '../../../src/core/gateway-error.js';
import { newQueueId } from '../../../src/core/ids.js';
import type { NewMessage, QueuedMessage } from '../../../src/core/types.js';
import { openQueue, type LmdbQueue } from '../../../src/queue/lmdb-queue.js';
import type { RetryPolicy } from '../../../src/queue/retry-schedule.js';
import { replyOf } from '../../helpers/smtp-replies.js';
import { storageAt } from '../../helpers/temp-storage.js';

/** retryNow / hold / release / cancel on the real LMDB queue: state, history, due(), counters. */
const logger = pino({ level: 'silent' });
const retry: RetryPolicy = { initialDelayMs: 10_000, maxDelayMs: 100_000, maxAgeMs: 10_000_000, jitter: 0 };
const none: ReadonlySet<string> = new Set();

let dir: string;
const opened: LmdbQueue[] = [];

function open(): LmdbQueue {
  const queue = openQueue({ storage: storageAt(dir), retry, logger });
  opened.push(queue);
  return queue;
}

function mail(receivedAt: number, to: string[] = ['b@example.test'], tenantId = 't1'): NewMessage {
  return {
    id: newQueueId(receivedAt),
    tenantId,
    kind: 'mail',
    envelope: { from: 'a@example.test', to },
    receivedAt,
    client: { address: '127.0.0.1', helo: 'invoicing' },
    messageId: `<${receivedAt}@example.test>`,
  };
}

const body = Buffer.from('Subject: Factuur\r\n\r\nHello\r\n');

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => new Error('expected a rejection'),
    (err: unknown) => err,
  );
}

/** A message deferred once: due at 2_000 + 10_000. */
async function deferredMessage(queue: LmdbQueue, receivedAt = 1_000, tenantId = 't1'): Promise<QueuedMessage> {
  const m = await queue.enqueue(mail(receivedAt, ['b@example.test'], tenantId), body);
  return queue.record(
    m.id,
    [{ address: 'b@example.test', outcome: 'deferred', reply: replyOf('451 4.3.0 later') }],
    2_000,
  );
}

const dueIds = (queue: LmdbQueue, now: number): string[] => queue.due(now, 100, none).map((m) => m.id);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'postbode-queue-actions-'));
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((q) => q.close()));
  await rm(dir, { recursive: true, force: true });
});

describe('LmdbQueue.retryNow', () => {
  it('makes a deferred message due now and records the request', async () => {
    const queue = open();
    const m = await deferredMessage(queue);
    expect(dueIds(queue, 5_000)).toEqual([]);
    expect(queue.nextDueAt()).toBe(12_000);
    const after = await queue.retryNow(m.id, 5_000);
    expect(after.recipients[0]).toMatchObject({ status: 'deferred', nextAttemptAt: 5_000, attempts: 1 });
    expect(after.recipients[0]?.history.map((h) => h.outcome)).toEqual(['deferred', 'retried']);
    expect(queue.get(m.id)).toEqual(after);
    expect(dueIds(queue, 5_000)).toEqual([m.id]);
    expect(queue.nextDueAt()).toBe(5_000);
    expect(queue.depth()).toEqual({ messages: 1, queued: 0, deferred: 1, held: 0 });
  });

  it('rejects unknown ids with E_MESSAGE_UNKNOWN and complete mail with E_CONFLICT, writing nothing', async () => {
    const queue = open();
    expect(isGatewayError(await rejection(queue.retryNow('01UNKNOWN', 1)), 'E_MESSAGE_UNKNOWN')).toBe(true);
    const m = await queue.enqueue(mail(1_000), body);
    const done = await queue.record(
      m.id,
      [{ address: 'b@example.test', outcome: 'delivered', reply: replyOf('250') }],
      2_000,
    );
    const err = await rejection(queue.retryNow(m.id, 3_000));
    expect(isGatewayError(err, 'E_CONFLICT')).toBe(true);
    expect((err as Error).message).toContain(m.id);
    expect(queue.get(m.id)).toEqual(done);
    // The queue still works after a refused action (nothing left half-written in the batch).
    const next = await queue.enqueue(mail(4_000), body);
    expect(queue.get(next.id)?.recipients[0]?.status).toBe('queued');
  });
});

describe('LmdbQueue.hold and release', () => {
  it('takes a held message out of due() and nextDueAt, counts it as held, and survives reopen', async () => {
    const queue = open();
    const fresh = await queue.enqueue(mail(1_000), body);
    const deferred = await deferredMessage(queue, 1_500);
    const held = await queue.hold(fresh.id, 3_000);
    await queue.hold(deferred.id, 3_001, 'customer asked to wait');
    expect(held.recipients[0]).toMatchObject({ status: 'held' });
    expect(held.heldAt).toBe(3_000);
    expect(queue.get(deferred.id)?.recipients[0]?.history.at(-1)).toEqual({
      at: 3_001,
      outcome: 'held',
      reply: 'customer asked to wait',
    });
    expect(dueIds(queue, 1e15)).toEqual([]);
    expect(queue.nextDueAt()).toBeUndefined();
    expect(queue.depth()).toEqual({ messages: 2, queued: 0, deferred: 0, held: 2 });
    expect(queue.countPending('t1')).toBe(2);
    expect(isGatewayError(await rejection(queue.hold(fresh.id, 3_002)), 'E_CONFLICT')).toBe(true);
    expect(isGatewayError(await rejection(queue.retryNow(fresh.id, 3_002)), 'E_CONFLICT')).toBe(true);

    await queue.close();
    const again = open();
    expect(again.depth()).toEqual({ messages: 2, queued: 0, deferred: 0, held: 2 });
    expect(dueIds(again, 1e15)).toEqual([]);
  });

  it('release makes held mail due now, restoring queued or deferred', async () => {
    const queue = open();
    const fresh = await queue.enqueue(mail(1_000), body);
    const deferred = await deferredMessage(queue, 1_500);
    await queue.hold(fresh.id, 3_000);
    await queue.hold(deferred.id, 3_000);
    expect(isGatewayError(await rejection(queue.release('01UNKNOWN', 4_000)), 'E_MESSAGE_UNKNOWN')).toBe(true);
    const a = await queue.release(fresh.id, 4_000);
    const b = await queue.release(deferred.id, 4_000, 'go');
    expect(a.recipients[0]).toMatchObject({ status: 'queued', nextAttemptAt: 4_000 });
    expect(b.recipients[0]).toMatchObject({ status: 'deferred', nextAttemptAt: 4_000 });
    expect(b.recipients[0]?.history.map((h) => h.outcome)).toEqual(['deferred', 'held', 'released']);
    expect(a.heldAt).toBeUndefined();
    // fresh mail first, as always
    expect(dueIds(queue, 4_000)).toEqual([fresh.id, deferred.id]);
    expect(queue.depth()).toEqual({ messages: 2, queued: 1, deferred: 1, held: 0 });
    expect(isGatewayError(await rejection(queue.release(fresh.id, 4_001)), 'E_CONFLICT')).toBe(true);
  });

  it('a deferral recorded while held keeps the recipient held', async () => {
    const queue = open();
    const m = await queue.enqueue(mail(1_000), body);
    const inFlight = queue.due(1_000, 1, none); // the scheduler took it...
    await queue.hold(m.id, 1_001); // ...then the admin held it
    expect(inFlight.map((x) => x.id)).toEqual([m.id]);
    const after = await queue.record(
      m.id,
      [{ address: 'b@example.test', outcome: 'deferred', reply: replyOf('451 busy') }],
      1_002,
    );
    expect(after.recipients[0]).toMatchObject({ status: 'held', attempts: 1, lastReply: '451 busy' });
    expect(dueIds(queue, 1e15)).toEqual([]);
    expect(queue.depth()).toEqual({ messages: 1, queued: 0, deferred: 0, held: 1 });
  });
});

describe('LmdbQueue.cancel', () => {
  it('cancels pending and held recipients, completes the message, keeps the body and frees the tenant', async () => {
    const queue = open();
    const m = await queue.enqueue(mail(1_000, ['b@example.test', 'c@example.test']), body);
    await queue.record(m.id, [{ address: 'b@example.test', outcome: 'delivered', reply: replyOf('250 ok') }], 1_500);
    await queue.hold(m.id, 2_000);
    expect(queue.countPending('t1')).toBe(1);
    const done = await queue.cancel(m.id, 3_000, 'wrong customer');
    expect(done.recipients.map((r) => r.status)).toEqual(['delivered', 'cancelled']);
    expect(done.recipients[1]).toMatchObject({ lastReply: 'wrong customer' });
    expect(done.recipients[1]?.history.map((h) => h.outcome)).toEqual(['held', 'cancelled']);
    expect(done.completedAt).toBe(3_000);
    expect(queue.body(m.id)?.equals(body)).toBe(true);
    expect(queue.depth()).toEqual({ messages: 0, queued: 0, deferred: 0, held: 0 });
    expect(queue.countPending('t1')).toBe(0);
    expect(dueIds(queue, 1e15)).toEqual([]);
    expect(queue.list({ limit: 10, status: 'cancelled' }).messages.map((x) => x.id)).toEqual([m.id]);
    expect(isGatewayError(await rejection(queue.cancel(m.id, 3_001, 'again')), 'E_CONFLICT')).toBe(true);
    expect(isGatewayError(await rejection(queue.hold(m.id, 3_001)), 'E_CONFLICT')).toBe(true);
    expect(isGatewayError(await rejection(queue.cancel('01UNKNOWN', 1, 'x')), 'E_MESSAGE_UNKNOWN')).toBe(true);
    expect(await queue.purgeCompleted(3_001)).toBe(1);
    expect(queue.get(m.id)).toBeUndefined();
  });
});

describe('LmdbQueue.countPending', () => {
  it('counts pending messages per tenant, rebuilt at open', async () => {
    const queue = open();
    const a1 = await queue.enqueue(mail(1_000, ['b@example.test'], 'a'), body);
    await queue.enqueue(mail(1_001, ['b@example.test'], 'a'), body);
    const b1 = await deferredMessage(queue, 1_002, 'b');
    await queue.enqueue(mail(1_003, ['b@example.test'], 'c'), body);
    await queue.hold(b1.id, 2_500);
    await queue.record(a1.id, [{ address: 'b@example.test', outcome: 'bounced', reply: replyOf('550') }], 2_600);
    const counts = (q: LmdbQueue): number[] => ['a', 'b', 'c', 'nobody'].map((t) => q.countPending(t));
    expect(counts(queue)).toEqual([1, 1, 1, 0]);
    await queue.close();
    const again = open();
    expect(counts(again)).toEqual([1, 1, 1, 0]);
    expect(again.summary('b')).toMatchObject({ messages: 1, queued: 0, deferred: 0, held: 1 });
  });
});
