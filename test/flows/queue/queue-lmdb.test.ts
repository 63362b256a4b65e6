import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isGatewayError } from '../../../src/core/gateway-error.js';
import { newQueueId } from '../../../src/core/ids.js';
import type { NewMessage } from '../../../src/core/types.js';
import { openQueue, type LmdbQueue, type QueueOptions } from '../../../src/queue/lmdb-queue.js';
import type { RetryPolicy } from '../../../src/queue/retry-schedule.js';
import { expectNothingFor, waitFor } from '../../helpers/wait-for.js';
import { replyOf } from '../../helpers/smtp-replies.js';
import { storageAt } from '../../helpers/temp-storage.js';

const logger = pino({ level: 'silent' });
const retry: RetryPolicy = { initialDelayMs: 10, maxDelayMs: 100, maxAgeMs: 60_000, jitter: 0 };

let dir: string;
const opened: LmdbQueue[] = [];

function open(extra: Partial<QueueOptions> = {}): LmdbQueue {
  const queue = openQueue({ storage: storageAt(dir), retry, logger, ...extra });
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

/** 100 KB of every byte value except NUL, with bare CRs and LFs in it. */
function sampleBody(size = 100 * 1024): Buffer {
  const body = Buffer.alloc(size);
  for (let i = 0; i < size; i++) body[i] = (i % 255) + 1;
  body.write('line one\rbare CR\nbare LF\r\n.\r\n', 10, 'latin1');
  return body;
}

const none: ReadonlySet<string> = new Set();

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'postbode-queue-'));
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((q) => q.close()));
  await rm(dir, { recursive: true, force: true });
});

describe('LmdbQueue enqueue', () => {
  it('round-trips the record and a 100 KB binary body byte for byte', async () => {
    const queue = open();
    const body = sampleBody();
    expect(body.includes(0)).toBe(false);
    const msg = { ...mail(1_000, ['b@example.test', 'c@example.test']), subject: 'Factuur 2024-001' };
    const stored = await queue.enqueue(msg, body);
    expect(stored).toMatchObject({ id: msg.id, size: body.length, subject: 'Factuur 2024-001', receivedAt: 1_000 });
    expect(stored.recipients.map((r) => [r.status, r.attempts, r.nextAttemptAt])).toEqual([
      ['queued', 0, 1_000],
      ['queued', 0, 1_000],
    ]);
    const read = queue.get(msg.id);
    expect(read).toEqual(stored);
    expect(JSON.parse(JSON.stringify(read))).toEqual(read);
    expect(queue.body(msg.id)?.equals(body)).toBe(true);
    expect(queue.get('nope')).toBeUndefined();
    expect(queue.body('nope')).toBeUndefined();
  });

  it('does not resolve before waitDurable does', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let calls = 0;
    const queue = open({
      waitDurable: () => {
        calls++;
        return held;
      },
    });
    let resolved = false;
    const pending = queue.enqueue(mail(1_000), sampleBody(1_000)).then((m) => {
      resolved = true;
      return m;
    });
    await waitFor(() => calls === 1, 8_000, 'the call to waitDurable');
    await expectNothingFor(50, () => !resolved, 'the enqueue to stay pending');
    expect(calls).toBe(1);
    expect(resolved).toBe(false);
    release();
    const stored = await pending;
    expect(resolved).toBe(true);
    expect(queue.get(stored.id)?.id).toBe(stored.id);
  });

  it('rejects with E_STORAGE when the sync fails', async () => {
    const queue = open({ waitDurable: () => Promise.reject(new Error('fsync: EBADF')) });
    const err = await queue.enqueue(mail(1_000), sampleBody(10)).catch((e: unknown) => e);
    expect(isGatewayError(err, 'E_STORAGE')).toBe(true);
  });

  it('refuses an id that is already stored, leaving the first message as it was', async () => {
    const queue = open();
    const m = mail(1_000);
    await queue.enqueue(m, sampleBody(10));
    const err = await queue.enqueue({ ...m, tenantId: 'other' }, sampleBody(20)).catch((e: unknown) => e);
    expect(isGatewayError(err, 'E_STORAGE')).toBe(true);
    expect(queue.get(m.id)?.tenantId).toBe('t1');
    expect(queue.body(m.id)?.length).toBe(10);
    expect(queue.depth().messages).toBe(1);
  });

  it('keeps enqueued mail across close and reopen (default waitDurable)', async () => {
    const first = open();
    const a = await first.enqueue(mail(1_000), sampleBody());
    await first.close();
    const late = await first.enqueue(mail(2_000), sampleBody(10)).catch((e: unknown) => e);
    expect(isGatewayError(late, 'E_STORAGE')).toBe(true);
    const second = open();
    expect(second.get(a.id)).toEqual(a);
    expect(second.body(a.id)?.equals(sampleBody())).toBe(true);
    expect(second.due(5_000, 10, none).map((m) => m.id)).toEqual([a.id]);
  });

  it('handles 500 concurrent 100 KB enqueues within seconds (group commit)', async () => {
    const queue = open();
    const body = sampleBody();
    const started = performance.now();
    const all = await Promise.all(Array.from({ length: 500 }, (_, i) => queue.enqueue(mail(10_000 + i), body)));
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `queue throughput: 500 x 100 KB durable enqueues in ${seconds.toFixed(2)} s = ` +
        `${(500 / seconds).toFixed(0)} msg/s`,
    );
    expect(seconds).toBeLessThan(20);
    expect(new Set(all.map((m) => m.id)).size).toBe(500);
    expect(queue.depth()).toEqual({ messages: 500, queued: 500, deferred: 0, held: 0 });
    expect(queue.body(all[499]!.id)?.length).toBe(body.length);
  });
});

describe('LmdbQueue due', () => {
  it('returns fresh mail in arrival order before deferred mail in due order', async () => {
    const queue = open();
    const a = await queue.enqueue(mail(1_000), sampleBody(10));
    const b = await queue.enqueue(mail(2_000), sampleBody(10));
    const c = await queue.enqueue(mail(2_500), sampleBody(10));
    const d = await queue.enqueue(mail(2_600), sampleBody(10));
    // c is due at 3_010, a at 3_015
    await queue.record(c.id, [{ address: 'b@example.test', outcome: 'deferred', reply: replyOf('451 later') }], 3_000);
    await queue.record(a.id, [{ address: 'b@example.test', outcome: 'deferred', reply: replyOf('451 later') }], 3_005);
    await queue.record(a.id, [], 3_006);
    expect(queue.due(3_009, 10, none).map((m) => m.id)).toEqual([b.id, d.id]);
    expect(queue.due(5_000, 10, none).map((m) => m.id)).toEqual([b.id, d.id, c.id, a.id]);
    expect(queue.due(5_000, 3, none).map((m) => m.id)).toEqual([b.id, d.id, c.id]);
    expect(queue.due(5_000, 10, new Set([b.id, c.id])).map((m) => m.id)).toEqual([d.id, a.id]);
    expect(queue.due(5_000, 0, none)).toEqual([]);
    expect(queue.due(1_500, 10, none)).toEqual([]); // fresh mail that arrived later is not due yet
    expect(queue.nextDueAt()).toBe(2_000);
  });

  it('finds fresh mail in under 5 ms behind 20 000 deferred messages', async () => {
    const queue = open({ retry: { ...retry, initialDelayMs: 3_600_000, maxDelayMs: 3_600_000 } });
    const body = Buffer.from('Subject: x\r\n\r\nhi\r\n');
    for (let chunk = 0; chunk < 4; chunk++) {
      const batch = Array.from({ length: 5_000 }, (_, i) => mail(1_000 + chunk * 5_000 + i));
      await Promise.all(batch.map((m) => queue.enqueue(m, body)));
      await Promise.all(
        batch.map((m) =>
          queue.record(m.id, [{ address: 'b@example.test', outcome: 'deferred', reply: replyOf('451') }], 30_000),
        ),
      );
    }
    expect(queue.depth()).toEqual({ messages: 20_000, queued: 0, deferred: 20_000, held: 0 });
    const fresh = await Promise.all(Array.from({ length: 10 }, (_, i) => queue.enqueue(mail(40_000 + i), body)));
    const timings: number[] = [];
    let ids: string[] = [];
    for (let run = 0; run < 6; run++) {
      const started = performance.now();
      ids = queue.due(50_000, 200, none).map((m) => m.id);
      timings.push(performance.now() - started);
    }
    console.log(`due() with 20 000 deferred: ${timings.map((t) => t.toFixed(3)).join(', ')} ms`);
    expect(ids).toEqual(fresh.map((m) => m.id));
    expect(Math.max(...timings.slice(1))).toBeLessThan(5); // first run warms the JIT
    expect(queue.nextDueAt()).toBe(40_000);
  }, 60_000);
});

describe('LmdbQueue record and expire', () => {
  it('completes a message: index entries go, the record and the body stay as the log', async () => {
    const queue = open();
    const m = await queue.enqueue(mail(1_000, ['b@example.test', 'c@example.test']), sampleBody(100));
    const partial = await queue.record(
      m.id,
      [
        { address: 'b@example.test', outcome: 'delivered', reply: replyOf('250 2.0.0 ok'), nextHop: '127.0.0.1:25' },
        { address: 'c@example.test', outcome: 'deferred', reply: replyOf('451 4.3.0 later') },
      ],
      2_000,
    );
    expect(partial.completedAt).toBeUndefined();
    expect(partial.recipients[1]).toMatchObject({ status: 'deferred', nextAttemptAt: 2_010, attempts: 1 });
    expect(queue.body(m.id)).toBeDefined();
    expect(queue.nextDueAt()).toBe(2_010);
    const done = await queue.record(
      m.id,
      [{ address: 'c@example.test', outcome: 'bounced', reply: replyOf('550 5.1.1 unknown') }],
      2_010,
    );
    expect(done.completedAt).toBe(2_010);
    expect(queue.get(m.id)).toEqual(done);
    expect(queue.body(m.id)?.equals(sampleBody(100))).toBe(true); // kept until purgeCompleted
    expect(queue.due(1e15, 10, none)).toEqual([]);
    expect(queue.nextDueAt()).toBeUndefined();
    expect(queue.depth()).toEqual({ messages: 0, queued: 0, deferred: 0, held: 0 });
  });

  it('expires deferred recipients once maxAgeMs has passed', async () => {
    const queue = open({ retry: { ...retry, maxAgeMs: 1_000 } });
    const m = await queue.enqueue(mail(1_000), sampleBody(10));
    const young = await queue.record(
      m.id,
      [{ address: 'b@example.test', outcome: 'deferred', reply: replyOf('451 a') }],
      1_999,
    );
    expect(young.recipients[0]?.status).toBe('deferred');
    const old = await queue.record(
      m.id,
      [{ address: 'b@example.test', outcome: 'deferred', reply: replyOf('451 b') }],
      2_000,
    );
    expect(old.recipients[0]).toMatchObject({ status: 'expired', lastReply: '451 b', attempts: 2 });
    expect(old.completedAt).toBe(2_000);
    expect(queue.body(m.id)).toBeDefined();
  });

  it('expire() marks the listed pending recipients expired', async () => {
    const queue = open();
    const m = await queue.enqueue(mail(1_000, ['b@example.test', 'c@example.test']), sampleBody(10));
    const one = await queue.expire(m.id, ['b@example.test'], 5_000, 'queue lifetime exceeded');
    expect(one.recipients[0]).toMatchObject({ status: 'expired', lastReply: 'queue lifetime exceeded' });
    expect(queue.depth()).toEqual({ messages: 1, queued: 1, deferred: 0, held: 0 });
    const all = await queue.expire(m.id, ['b@example.test', 'c@example.test'], 5_001, 'queue lifetime exceeded');
    expect(all.completedAt).toBe(5_001);
    expect(queue.depth()).toEqual({ messages: 0, queued: 0, deferred: 0, held: 0 });
  });

  it('rejects unknown ids with E_MESSAGE_UNKNOWN', async () => {
    const queue = open();
    const err = await queue.record('01UNKNOWN', [], 1).catch((e: unknown) => e);
    expect(isGatewayError(err, 'E_MESSAGE_UNKNOWN')).toBe(true);
    const err2 = await queue.expire('01UNKNOWN', ['x@y'], 1, 'r').catch((e: unknown) => e);
    expect(isGatewayError(err2, 'E_MESSAGE_UNKNOWN')).toBe(true);
  });

  it('keeps depth counters right across changes and reopen', async () => {
    const queue = open();
    const a = await queue.enqueue(mail(1_000, ['b@example.test', 'c@example.test']), sampleBody(10));
    const b = await queue.enqueue(mail(1_001, ['d@example.test']), sampleBody(10));
    expect(queue.depth()).toEqual({ messages: 2, queued: 3, deferred: 0, held: 0 });
    await queue.record(a.id, [{ address: 'b@example.test', outcome: 'deferred', reply: replyOf('451') }], 2_000);
    expect(queue.depth()).toEqual({ messages: 2, queued: 2, deferred: 1, held: 0 });
    await queue.record(b.id, [{ address: 'd@example.test', outcome: 'delivered', reply: replyOf('250') }], 2_000);
    expect(queue.depth()).toEqual({ messages: 1, queued: 1, deferred: 1, held: 0 });
    await queue.close();
    const again = open();
    expect(again.depth()).toEqual({ messages: 1, queued: 1, deferred: 1, held: 0 });
    await again.record(a.id, [{ address: 'c@example.test', outcome: 'bounced', reply: replyOf('550') }], 3_000);
    expect(again.depth()).toEqual({ messages: 1, queued: 0, deferred: 1, held: 0 });
  });
});

describe('LmdbQueue log', () => {
  it('purgeCompleted deletes only records completed before the cut-off', async () => {
    const queue = open();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const m = await queue.enqueue(mail(1_000 + i), sampleBody(10));
      ids.push(m.id);
      if (i < 4)
        await queue.record(
          m.id,
          [{ address: 'b@example.test', outcome: 'delivered', reply: replyOf('250') }],
          10_000 + i * 100,
        );
    }
    expect(await queue.purgeCompleted(10_200)).toBe(2); // completed at 10_000 and 10_100
    expect(ids.map((id) => queue.get(id) !== undefined)).toEqual([false, false, true, true, true]);
    // bodies go with records
    expect(ids.map((id) => queue.body(id) !== undefined)).toEqual([false, false, true, true, true]);
    expect(await queue.purgeCompleted(10_200)).toBe(0);
    expect(await queue.purgeCompleted(1e15)).toBe(2);
    expect(queue.get(ids[4]!)?.completedAt).toBeUndefined(); // pending mail is never purged
    expect(queue.depth().messages).toBe(1);
  });

  it('lists newest first with filters and a cursor', async () => {
    const queue = open();
    const ms = [];
    for (let i = 0; i < 6; i++)
      ms.push(await queue.enqueue(mail(1_000 + i, ['b@example.test'], i % 2 === 0 ? 'even' : 'odd'), sampleBody(10)));
    await queue.record(ms[1]!.id, [{ address: 'b@example.test', outcome: 'bounced', reply: replyOf('550') }], 2_000);
    const newest = queue.list({ limit: 3 });
    expect(newest.messages.map((m) => m.id)).toEqual([ms[5]!.id, ms[4]!.id, ms[3]!.id]);
    expect(newest.next).toBe(ms[3]!.id);
    const rest = queue.list({ limit: 10, before: newest.next });
    expect(rest.messages.map((m) => m.id)).toEqual([ms[2]!.id, ms[1]!.id, ms[0]!.id]);
    expect(rest.next).toBeUndefined();
    expect(queue.list({ limit: 10, tenantId: 'odd' }).messages.map((m) => m.id)).toEqual([
      ms[5]!.id,
      ms[3]!.id,
      ms[1]!.id,
    ]);
    expect(queue.list({ limit: 10, status: 'bounced' }).messages.map((m) => m.id)).toEqual([ms[1]!.id]);
    expect(queue.list({ limit: 10, status: 'queued', tenantId: 'odd' }).messages).toHaveLength(2);
  });
});
