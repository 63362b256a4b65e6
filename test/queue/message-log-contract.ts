import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newQueueId } from '../../src/core/ids.js';
import type { NewMessage, QueuedMessage, RecipientResult } from '../../src/core/types.js';
import type { GatewayQueue } from '../../src/queue/gateway-queue.js';
import { replyOf } from '../helpers/smtp-replies.js';

/** A queue for the message log cases, whose "now" (summary's today) is read from `clock`. */
export interface OpenedLogQueue {
  readonly queue: GatewayQueue;
  /** Closes the queue and removes whatever it left behind. */
  close(): Promise<void>;
}

export type OpenLogQueue = (clock: () => number) => Promise<OpenedLogQueue>;

const DAY = 86_400_000;
/** A fixed "today": 2024-03-05, 00:00 UTC; "now" is 10 h later. */
export const TODAY = Date.UTC(2024, 2, 5);
const NOW = TODAY + 10 * 3_600_000;

export interface MailOptions {
  readonly to?: readonly string[];
  readonly tenantId?: string;
  readonly subject?: string;
}

export function mail(receivedAt: number, opts: MailOptions = {}): NewMessage {
  return {
    id: newQueueId(receivedAt),
    tenantId: opts.tenantId ?? 't1',
    kind: 'mail',
    envelope: { from: 'a@example.test', to: opts.to ?? ['b@example.test'] },
    receivedAt,
    client: { address: '127.0.0.1', helo: 'invoicing' },
    messageId: `<${receivedAt}@example.test>`,
    ...(opts.subject === undefined ? {} : { subject: opts.subject }),
  };
}

export function rawMail(subject: string): Buffer {
  return Buffer.from(`From: Boekhouding <a@example.test>\r\nSubject: ${subject}\r\n\r\nSee the invoice.\r\n`, 'utf8');
}

export const delivered = (address = 'b@example.test'): RecipientResult => ({
  address,
  outcome: 'delivered',
  reply: replyOf('250 ok'),
});

const ids = (messages: readonly QueuedMessage[]): string[] => messages.map((m) => m.id);

/**
 * The read side of the message log (list, summary, headers, purge) as the API uses it, for every
 * GatewayQueue: the LMDB and the PostgreSQL queue must answer these alike.
 */
export function messageLogContract(name: string, open: OpenLogQueue): void {
  describe(`message log contract: ${name}`, () => {
    let opened: OpenedLogQueue;
    let queue: GatewayQueue;
    let now = NOW;

    beforeEach(async () => {
      now = NOW;
      opened = await open(() => now);
      queue = opened.queue;
    });
    afterEach(async () => {
      await opened.close();
    });

    const list = async (f: Partial<Parameters<GatewayQueue['list']>[0]>): Promise<string[]> =>
      ids((await queue.list({ limit: 50, ...f })).messages);

    it('filters by recipient (case-insensitive, exact), receivedAt range, text, status and tenant', async () => {
      const specs = [
        { at: 10_000, to: ['Jan@Klant.test'], subject: 'Factuur 2024-001' },
        { at: 20_000, to: ['piet@klant.test', 'jan@klant.test'], subject: 'Herinnering FACTUUR 2024-002' },
        { at: 30_000, to: ['jan@klant.test.evil'], subject: 'Offerte 7' },
        { at: 40_000, to: ['jan@klant.test'], subject: undefined, tenantId: 't2' },
      ];
      const m: string[] = [];
      for (const s of specs) m.push((await queue.enqueue(mail(s.at, s), rawMail('x'))).id);
      await queue.record(m[2] as string, [delivered('jan@klant.test.evil')], 35_000);
      expect(await list({})).toEqual([m[3], m[2], m[1], m[0]]);
      expect(await list({ recipient: 'JAN@klant.test' })).toEqual([m[3], m[1], m[0]]);
      expect(await list({ recipient: 'jan@klant.test', tenantId: 't1' })).toEqual([m[1], m[0]]);
      expect(await list({ since: 20_000, until: 30_000 })).toEqual([m[2], m[1]]);
      expect(await list({ since: 20_001 })).toEqual([m[3], m[2]]);
      expect(await list({ until: 19_999 })).toEqual([m[0]]);
      expect(await list({ text: 'factuur 2024' })).toEqual([m[1], m[0]]);
      expect(await list({ text: '2024-002', recipient: 'piet@klant.test' })).toEqual([m[1]]);
      expect(await list({ text: '<30000@example' })).toEqual([m[2]]); // Message-ID as well
      expect(await list({ text: '100%_' })).toEqual([]); // LIKE's wildcards are plain text
      expect(await list({ status: 'delivered' })).toEqual([m[2]]);
      expect(await list({ status: 'queued', tenantId: 't2' })).toEqual([m[3]]);
      expect(await list({ accept: (msg) => msg.subject === 'Offerte 7' })).toEqual([m[2]]);
      expect(await list({ since: 50_000 })).toEqual([]);
      expect((await queue.list({ limit: 50, since: 50_000 })).next).toBeUndefined();
    });

    it('pages newest first with the cursor, within a time range, to the end', async () => {
      const m: string[] = [];
      for (let i = 0; i < 7; i++) m.push((await queue.enqueue(mail(1_000_000 + i * 1_000), rawMail('x'))).id);
      const range = { since: 1_001_000, until: 1_005_000 };
      const first = await queue.list({ limit: 2, ...range });
      expect(ids(first.messages)).toEqual([m[5], m[4]]);
      const second = await queue.list({ limit: 2, ...range, before: first.next });
      expect(ids(second.messages)).toEqual([m[3], m[2]]);
      const third = await queue.list({ limit: 2, ...range, before: second.next });
      expect(ids(third.messages)).toEqual([m[1]]);
      expect(third.next).toBeUndefined();
      const all = await queue.list({ limit: 0 }); // at least one
      expect(ids(all.messages)).toEqual([m[6]]);
    });

    it("never shows a second tenant's messages in the first tenant's page", async () => {
      const mine = await queue.enqueue(mail(5_000, { subject: 'Factuur 1' }), rawMail('mine'));
      for (let i = 0; i < 30; i++) {
        const theirs = mail(6_000 + i, { tenantId: 't2', subject: 'Factuur 1', to: ['b@example.test'] });
        await queue.enqueue(theirs, rawMail('theirs'));
      }
      const page = await queue.list({ limit: 10, tenantId: 't1', text: 'factuur', recipient: 'b@example.test' });
      expect(ids(page.messages)).toEqual([mine.id]);
      expect(page.messages.every((msg) => msg.tenantId === 't1')).toBe(true);
      const paged = await queue.list({ limit: 5, tenantId: 't2' });
      expect(paged.messages.every((msg) => msg.tenantId === 't2')).toBe(true);
      expect(await list({ tenantId: 't1', before: paged.next })).toEqual([mine.id]);
      expect(await list({ tenantId: 'nobody' })).toEqual([]);
    });

    it("counts pending mail and today's outcomes (since 00:00 UTC), per tenant", async () => {
      const yesterday = await queue.enqueue(
        mail(TODAY - DAY, { to: ['b@example.test', 'c@example.test'] }),
        rawMail('y'),
      );
      await queue.record(yesterday.id, [delivered(), delivered('c@example.test')], TODAY - 1);
      const a = await queue.enqueue(
        mail(TODAY + 1_000, { to: ['b@example.test', 'c@example.test', 'd@example.test'] }),
        rawMail('a'),
      );
      const results: RecipientResult[] = [
        delivered(),
        { address: 'c@example.test', outcome: 'bounced', reply: replyOf('550 no') },
        { address: 'd@example.test', outcome: 'deferred', reply: replyOf('451') },
      ];
      await queue.record(a.id, results, TODAY + 2_000);
      await queue.expire(a.id, ['d@example.test'], TODAY + 3_000, 'too old'); // today: 1 delivered, 2 bounced
      const other = await queue.enqueue(mail(TODAY + 4_000, { tenantId: 't2' }), rawMail('o'));
      await queue.record(other.id, [delivered()], TODAY + 5_000);
      await queue.enqueue(mail(TODAY + 6_000), rawMail('pending'));
      const held = await queue.enqueue(mail(TODAY + 7_000), rawMail('held'));
      await queue.hold(held.id, TODAY + 8_000);
      const cancelled = await queue.enqueue(mail(TODAY + 9_000), rawMail('cancelled'));
      await queue.cancel(cancelled.id, TODAY + 9_500, 'no');
      const zero = { messages: 0, queued: 0, deferred: 0, held: 0, bouncedToday: 0, deliveredToday: 0 };

      const all = { messages: 2, queued: 1, deferred: 0, held: 1, bouncedToday: 2, deliveredToday: 2 };
      expect(await queue.summary()).toEqual(all);
      expect(await queue.summary('t1')).toEqual({ ...all, deliveredToday: 1 });
      expect(await queue.summary('t2')).toEqual({ ...zero, deliveredToday: 1 });
      expect(await queue.summary('nobody')).toEqual(zero);
      // A delivered recipient that bounces later counts as bounced today.
      await queue.lateBounce(other.id, 'b@example.test', '550 gone', TODAY + 9_600);
      expect(await queue.summary('t2')).toEqual({ ...zero, bouncedToday: 1 });
      now = NOW + DAY;
      expect(await queue.summary()).toMatchObject({ messages: 2, bouncedToday: 0, deliveredToday: 0 });
    });

    it('keeps the header block of pending and finished mail until purgeCompleted removes record and body', async () => {
      const raw = rawMail('Factuur 2024-017 – €12,50');
      const m = await queue.enqueue(mail(1_000, { subject: 'Factuur 2024-017' }), raw);
      const headers = 'From: Boekhouding <a@example.test>\r\nSubject: Factuur 2024-017 – €12,50\r\n';
      expect(await queue.headers(m.id)).toBe(headers);
      await queue.record(m.id, [delivered()], 2_000);
      expect((await queue.body(m.id))?.equals(raw)).toBe(true);
      expect(await queue.headers(m.id)).toBe(headers);
      const empty = await queue.enqueue(mail(1_500, { to: [] }), rawMail('leeg')); // complete at once
      expect(empty.completedAt).toBe(1_500);
      const pending = await queue.enqueue(mail(1_600), rawMail('pending'));

      expect(await queue.purgeCompleted(1_500)).toBe(0); // completed at 1_500: not before it
      expect(await queue.purgeCompleted(2_000)).toBe(1);
      expect(await queue.get(empty.id)).toBeUndefined();
      expect(await queue.purgeCompleted(2_001)).toBe(1);
      expect(await queue.get(m.id)).toBeUndefined();
      expect(await queue.body(m.id)).toBeUndefined();
      expect(await queue.headers(m.id)).toBeUndefined();
      expect(await queue.headers(newQueueId(1))).toBeUndefined();
      expect(await queue.purgeCompleted(1e15)).toBe(0);
      expect((await queue.get(pending.id))?.recipients[0]?.status).toBe('queued'); // pending mail is never purged
      expect(await queue.headers(pending.id)).toContain('Subject: pending');
    });
  });
}
