import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RecipientResult } from '../../../src/core/types.js';
import { openStores, closeStores } from '../../../src/queue/lmdb-store.js';
import { openQueue, type LmdbQueue } from '../../../src/queue/lmdb-queue.js';
import type { RetryPolicy } from '../../../src/queue/retry-schedule.js';
import { replyOf } from '../../helpers/smtp-replies.js';
import { storageAt } from '../../helpers/temp-storage.js';
import { mail } from '../../queue/message-log-contract.js';

/** The message log side of the queue: retention, headers(), list filters, summary(). */
const logger = pino({ level: 'silent' });
const retry: RetryPolicy = { initialDelayMs: 10, maxDelayMs: 100, maxAgeMs: 1e12, jitter: 0 };
const DAY = 86_400_000;
/** A fixed "today": 2024-03-05, 00:00 UTC + 10 h. */
const TODAY = Date.UTC(2024, 2, 5);
const NOW = TODAY + 10 * 3_600_000;

let dir: string;
const opened: LmdbQueue[] = [];

function open(clock = (): number => NOW): LmdbQueue {
  const queue = openQueue({ storage: storageAt(dir), retry, logger, clock });
  opened.push(queue);
  return queue;
}

function rawMail(subject: string): Buffer {
  return Buffer.from(
    `From: Boekhouding <a@example.test>\r\nSubject: ${subject}\r\n\r\nSee the attached invoice.\r\n`,
    'utf8',
  );
}

const delivered = (address = 'b@example.test'): RecipientResult => ({
  address,
  outcome: 'delivered',
  reply: replyOf('250 ok'),
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'postbode-queue-log-'));
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((q) => q.close()));
  await rm(dir, { recursive: true, force: true });
});

describe('LmdbQueue retention', () => {
  it(
    'keeps the body of completed mail for headers(), ' + 'until purgeCompleted removes record and body together',
    async () => {
      const queue = open();
      const raw = rawMail('Factuur 2024-017 – €12,50');
      const m = await queue.enqueue(mail(1_000, { subject: 'Factuur 2024-017' }), raw);
      expect(queue.headers(m.id)).toBe('From: Boekhouding <a@example.test>\r\nSubject: Factuur 2024-017 – €12,50\r\n');
      await queue.record(m.id, [delivered()], 2_000);
      expect(queue.body(m.id)?.equals(raw)).toBe(true);
      expect(queue.headers(m.id)).toContain('Subject: Factuur 2024-017');
      await queue.close();

      const again = open();
      expect(again.body(m.id)?.equals(raw)).toBe(true); // on disk, not only in a cache
      expect(await again.purgeCompleted(2_000)).toBe(0); // completed at 2_000: not before it
      expect(await again.purgeCompleted(2_001)).toBe(1);
      expect(again.get(m.id)).toBeUndefined();
      expect(again.body(m.id)).toBeUndefined();
      expect(again.headers(m.id)).toBeUndefined();
      expect(again.headers('01UNKNOWN')).toBeUndefined();
    },
  );

  it('stores the body of a message complete at once (no recipients) too', async () => {
    const queue = open();
    const m = await queue.enqueue(mail(1_000, { to: [] }), rawMail('leeg'));
    expect(m.completedAt).toBe(1_000);
    expect(queue.headers(m.id)).toContain('Subject: leeg');
    expect(await queue.purgeCompleted(1e15)).toBe(1);
    expect(queue.body(m.id)).toBeUndefined();
  });
});

describe('LmdbQueue.list filters', () => {
  it('filters by recipient (case-insensitive, exact), receivedAt range, subject text and tenant', async () => {
    const queue = open();
    const specs = [
      { at: 10_000, to: ['Jan@Klant.test'], subject: 'Factuur 2024-001' },
      { at: 20_000, to: ['piet@klant.test', 'jan@klant.test'], subject: 'Herinnering FACTUUR 2024-002' },
      { at: 30_000, to: ['jan@klant.test.evil'], subject: 'Offerte 7' },
      { at: 40_000, to: ['jan@klant.test'], subject: undefined, tenantId: 't2' },
    ];
    const ids: string[] = [];
    for (const s of specs) {
      ids.push(
        (await queue.enqueue(mail(s.at, { to: s.to, subject: s.subject, tenantId: s.tenantId }), rawMail('x'))).id,
      );
    }
    const list = (f: Partial<Parameters<LmdbQueue['list']>[0]>): string[] =>
      queue.list({ limit: 50, ...f }).messages.map((m) => m.id);
    expect(list({ recipient: 'JAN@klant.test' })).toEqual([ids[3], ids[1], ids[0]]);
    expect(list({ recipient: 'jan@klant.test', tenantId: 't1' })).toEqual([ids[1], ids[0]]);
    expect(list({ since: 20_000, until: 30_000 })).toEqual([ids[2], ids[1]]);
    expect(list({ since: 20_001 })).toEqual([ids[3], ids[2]]);
    expect(list({ until: 19_999 })).toEqual([ids[0]]);
    expect(list({ text: 'factuur 2024' })).toEqual([ids[1], ids[0]]);
    expect(list({ text: '2024-002', recipient: 'piet@klant.test' })).toEqual([ids[1]]);
    expect(list({ text: '<30000@example' })).toEqual([ids[2]]); // Message-ID as well
    expect(list({ since: 50_000 })).toEqual([]);
    expect(queue.list({ limit: 50, since: 50_000 }).next).toBeUndefined();
  });

  it('pages through a time range with the cursor', async () => {
    const queue = open();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await queue.enqueue(mail(1_000_000 + i * 1_000), rawMail('x'))).id);
    const first = queue.list({ limit: 2, since: 1_001_000, until: 1_005_000 });
    expect(first.messages.map((m) => m.id)).toEqual([ids[5], ids[4]]);
    const second = queue.list({ limit: 2, since: 1_001_000, until: 1_005_000, before: first.next });
    expect(second.messages.map((m) => m.id)).toEqual([ids[3], ids[2]]);
    const third = queue.list({ limit: 2, since: 1_001_000, until: 1_005_000, before: second.next });
    expect(third.messages.map((m) => m.id)).toEqual([ids[1]]);
    expect(third.next).toBeUndefined();
  });

  it('reads an old time range without scanning the newer log (bounded)', async () => {
    const queue = open();
    const old = await queue.enqueue(mail(5_000), rawMail('old'));
    // More newer records than one list call may scan: a scan from the newest end would give up.
    const newer = Array.from({ length: 6_000 }, (_, i) => mail(10_000_000 + i));
    await Promise.all(newer.map((m) => queue.enqueue(m, rawMail('new'))));
    expect(queue.list({ limit: 10, recipient: 'b@example.test', until: 6_000 }).messages.map((m) => m.id)).toEqual([
      old.id,
    ]);
    const unbounded = queue.list({ limit: 10, text: 'no such subject' });
    expect(unbounded.messages).toEqual([]);
    expect(unbounded.next).toBeDefined(); // budget spent: the caller may page on
  }, 20_000);
});

describe('LmdbQueue.summary', () => {
  it("counts pending mail from memory and today's outcomes from the completed index", async () => {
    const queue = open();
    const yesterday = await queue.enqueue(
      mail(TODAY - DAY, { to: ['b@example.test', 'c@example.test'] }),
      rawMail('y'),
    );
    await queue.record(yesterday.id, [delivered(), delivered('c@example.test')], TODAY - 1);
    const a = await queue.enqueue(
      mail(TODAY + 1_000, { to: ['b@example.test', 'c@example.test', 'd@example.test'] }),
      rawMail('a'),
    );
    await queue.record(
      a.id,
      [
        delivered(),
        { address: 'c@example.test', outcome: 'bounced', reply: replyOf('550 no') },
        { address: 'd@example.test', outcome: 'deferred', reply: replyOf('451') },
      ],
      TODAY + 2_000,
    );
    await queue.expire(a.id, ['d@example.test'], TODAY + 3_000, 'too old'); // completes today: 1 delivered, 2 bounced
    const other = await queue.enqueue(mail(TODAY + 4_000, { tenantId: 't2' }), rawMail('o'));
    await queue.record(other.id, [delivered()], TODAY + 5_000);
    await queue.enqueue(mail(TODAY + 6_000), rawMail('pending'));
    const held = await queue.enqueue(mail(TODAY + 7_000), rawMail('held'));
    await queue.hold(held.id, TODAY + 8_000);
    const cancelled = await queue.enqueue(mail(TODAY + 9_000), rawMail('cancelled'));
    await queue.cancel(cancelled.id, TODAY + 9_500, 'no');

    expect(queue.summary()).toEqual({
      messages: 2,
      queued: 1,
      deferred: 0,
      held: 1,
      bouncedToday: 2,
      deliveredToday: 2,
    });
    expect(queue.summary('t1')).toEqual({
      messages: 2,
      queued: 1,
      deferred: 0,
      held: 1,
      bouncedToday: 2,
      deliveredToday: 1,
    });
    expect(queue.summary('t2')).toEqual({
      messages: 0,
      queued: 0,
      deferred: 0,
      held: 0,
      bouncedToday: 0,
      deliveredToday: 1,
    });
    expect(queue.summary('nobody')).toEqual({
      messages: 0,
      queued: 0,
      deferred: 0,
      held: 0,
      bouncedToday: 0,
      deliveredToday: 0,
    });
    await queue.close();

    const tomorrow = open(() => NOW + DAY);
    expect(tomorrow.summary()).toMatchObject({ messages: 2, bouncedToday: 0, deliveredToday: 0 });
  });

  it('counts completed index entries written before they carried counts', async () => {
    const queue = open();
    const m = await queue.enqueue(mail(TODAY + 1_000), rawMail('x'));
    await queue.record(m.id, [delivered()], TODAY + 2_000);
    await queue.close();
    const stores = openStores(storageAt(dir));
    await stores.completed.put([TODAY + 2_000, m.id], true); // the old format
    await closeStores(stores);
    expect(open().summary('t1')).toMatchObject({ deliveredToday: 1, bouncedToday: 0 });
  });
});
