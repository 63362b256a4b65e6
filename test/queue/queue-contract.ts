import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EffectsStore } from '../../src/core/effects.js';
import { isGatewayError } from '../../src/core/gateway-error.js';
import { newQueueId } from '../../src/core/ids.js';
import type {
  AttemptLeases,
  MessageLog,
  MessageQueue,
  NewMessage,
  QueuedMessage,
  TenantDueQueue,
} from '../../src/core/types.js';
import { replyOf } from '../helpers/smtp-replies.js';
import { effectsCases } from './effects-contract.js';

/** What delivery (scheduler.ts), the pipeline's effects and the tenant API (countPending) need from any queue. */
export type ContractQueue = MessageQueue &
  TenantDueQueue &
  AttemptLeases &
  EffectsStore &
  Pick<MessageLog, 'countPending'>;

export interface OpenedQueue {
  readonly queue: ContractQueue;
  /** Closes the queue and removes whatever it left behind. */
  close(): Promise<void>;
}

/** Arrival time of the first message; every other time is a small step from it. */
const T = 1_700_000_000_000;
const LATER = T + 30 * 86_400_000;
const none: ReadonlySet<string> = new Set();

function mail(receivedAt: number, to: readonly string[] = ['b@example.test'], tenantId = 't1'): NewMessage {
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

const ids = (messages: readonly QueuedMessage[]): string[] => messages.map((m) => m.id);
const statuses = (msg: QueuedMessage | undefined): string[] => msg?.recipients.map((r) => r.status) ?? [];

/**
 * The behaviours every MessageQueue (with the per-tenant due reads, attempt leases and
 * countPending that delivery and the API use) must have, as core/types.ts documents them.
 * Times are passed in, never read from a clock; retry delays are the implementation's own,
 * so the cases only rely on "later than now" and "never before notBefore".
 */
export function queueContract(name: string, open: () => Promise<OpenedQueue>): void {
  describe(`queue contract: ${name}`, () => {
    let opened: OpenedQueue;
    let queue: ContractQueue;

    beforeEach(async () => {
      opened = await open();
      queue = opened.queue;
    });
    afterEach(async () => {
      await opened.close();
    });

    async function enqueue(message: NewMessage, body = Buffer.from('Subject: x\r\n\r\nHello\r\n')) {
      return queue.enqueue(message, body);
    }

    it('enqueue stores a plain record: every recipient queued, due at arrival, roles kept', async () => {
      const message = { ...mail(T, ['b@example.test', 'archive@example.test']), subject: 'Factuur 2024-001' };
      const stored = await queue.enqueue(
        { ...message, roles: { 'archive@example.test': 'archive' } },
        Buffer.from('x'),
      );
      const fresh = { status: 'queued', attempts: 0, nextAttemptAt: T, history: [] };
      expect(stored).toStrictEqual({
        ...message,
        envelope: { from: 'a@example.test', to: ['b@example.test', 'archive@example.test'] },
        recipients: [
          { address: 'b@example.test', ...fresh },
          { address: 'archive@example.test', role: 'archive', ...fresh },
        ],
        size: 1,
      });
      expect(await queue.get(message.id)).toStrictEqual(stored);
      expect(JSON.parse(JSON.stringify(stored))).toStrictEqual(stored);
      expect(await queue.get('unknown')).toBeUndefined();
    });

    it('body() returns the stored bytes byte for byte, apart from the caller buffer', async () => {
      const body = Buffer.alloc(4096);
      for (let i = 0; i < body.length; i++) body[i] = i % 256;
      body.write('bare CR\rbare LF\n.\r\n', 100, 'latin1');
      const copy = Buffer.from(body);
      const { id } = await enqueue(mail(T), body);
      body.fill(0);
      expect((await queue.body(id))?.equals(copy)).toBe(true);
      expect(await queue.body('unknown')).toBeUndefined();
    });

    it('a message without recipients is complete at once and never due', async () => {
      const stored = await enqueue(mail(T, []));
      expect(stored.completedAt).toBe(T);
      expect(queue.due(LATER, 10, none)).toEqual([]);
      expect(queue.countPending('t1')).toBe(0);
    });

    it('due() returns a message with its recipients from its arrival time on', async () => {
      const stored = await enqueue(mail(T, ['b@example.test', 'c@example.test']));
      expect(queue.due(T - 1, 10, none)).toEqual([]);
      expect(queue.due(T, 10, none)).toStrictEqual([stored]);
      expect(queue.nextDueAt()).toBe(T);
    });

    it('due() gives the oldest first and honours limit and exclude', async () => {
      const second = await enqueue(mail(T + 2));
      const first = await enqueue(mail(T));
      const middle = await enqueue(mail(T + 1));
      expect(ids(queue.due(T + 10, 10, none))).toEqual([first.id, middle.id, second.id]);
      expect(ids(queue.due(T + 10, 2, none))).toEqual([first.id, middle.id]);
      expect(ids(queue.due(T + 10, 10, new Set([first.id])))).toEqual([middle.id, second.id]);
      expect(ids(queue.due(T + 1, 10, none))).toEqual([first.id, middle.id]);
    });

    it('fresh mail comes before deferred mail that is due, deferred mail by its next attempt', async () => {
      const early = await enqueue(mail(T));
      const late = await enqueue(mail(T + 1));
      await queue.record(
        early.id,
        [{ address: 'b@example.test', outcome: 'deferred', reply: replyOf('451 later'), notBefore: T + 9_000_000 }],
        T + 2,
      );
      await queue.record(
        late.id,
        [{ address: 'b@example.test', outcome: 'deferred', reply: replyOf('451 later') }],
        T + 2,
      );
      const fresh = await enqueue(mail(T + 3));
      expect(ids(queue.due(LATER, 10, none))).toEqual([fresh.id, late.id, early.id]);
      expect(ids(queue.due(LATER, 1, none))).toEqual([fresh.id]);
    });

    it('record() moves recipients to delivered, deferred and bounced, with reply and history', async () => {
      const to = ['d@example.test', 'f@example.test', 'b@example.test'];
      const { id } = await enqueue(mail(T, to));
      const at = T + 5;
      const after = await queue.record(
        id,
        [
          {
            address: 'd@example.test',
            outcome: 'delivered',
            reply: replyOf('250 2.0.0 Ok'),
            nextHop: 'mx.example.test:25',
            tls: 'TLSv1.3 TLS_AES_256_GCM_SHA384, certificate verified',
          },
          { address: 'f@example.test', outcome: 'deferred', reply: replyOf('connect ECONNREFUSED') },
          { address: 'b@example.test', outcome: 'bounced', reply: replyOf('550 5.1.1 No such user'), nextHop: 'mx:25' },
        ],
        at,
      );
      expect(statuses(after)).toEqual(['delivered', 'deferred', 'bounced']);
      expect(after.recipients.map((r) => [r.attempts, r.lastReply])).toEqual([
        [1, '250 2.0.0 Ok'],
        [1, 'connect ECONNREFUSED'],
        [1, '550 5.1.1 No such user'],
      ]);
      expect(after.recipients.map((r) => r.history)).toStrictEqual([
        [
          {
            at,
            outcome: 'delivered',
            reply: '250 2.0.0 Ok',
            nextHop: 'mx.example.test:25',
            tls: 'TLSv1.3 TLS_AES_256_GCM_SHA384, certificate verified',
          },
        ],
        [{ at, outcome: 'deferred', reply: 'connect ECONNREFUSED' }],
        [{ at, outcome: 'bounced', reply: '550 5.1.1 No such user', nextHop: 'mx:25' }],
      ]);
      expect(after.recipients[1]?.nextAttemptAt).toBeGreaterThan(at);
      expect(after.completedAt).toBeUndefined();
      expect(await queue.get(id)).toStrictEqual(after);
      expect(JSON.parse(JSON.stringify(after))).toStrictEqual(after);
    });

    it('a deferred recipient is due again at its next attempt, not before', async () => {
      const { id } = await enqueue(mail(T));
      const after = await queue.record(
        id,
        [{ address: 'b@example.test', outcome: 'deferred', reply: replyOf('451') }],
        T + 1,
      );
      const next = after.recipients[0]?.nextAttemptAt ?? 0;
      expect(next).toBeGreaterThan(T + 1);
      expect(queue.due(T + 1, 10, none)).toEqual([]);
      expect(queue.due(next - 1, 10, none)).toEqual([]);
      expect(ids(queue.due(next, 10, none))).toEqual([id]);
      expect(queue.nextDueAt()).toBe(next);
    });

    it("a deferral never comes back before the remote's notBefore", async () => {
      const { id } = await enqueue(mail(T));
      const notBefore = T + 3_600_000;
      const result = {
        address: 'b@example.test',
        outcome: 'deferred',
        reply: replyOf('452 4.2.2 Quota'),
        notBefore,
      } as const;
      const after = await queue.record(id, [result], T + 1);
      expect(after.recipients[0]?.nextAttemptAt).toBeGreaterThanOrEqual(notBefore);
      expect(queue.due(notBefore - 1, 10, none)).toEqual([]);
      expect(queue.nextDueAt()).toBeGreaterThanOrEqual(notBefore);
    });

    it('a message completes when its last recipient is final, and keeps its body', async () => {
      const body = Buffer.from('Subject: done\r\n\r\nBody\r\n');
      const { id } = await enqueue(mail(T, ['b@example.test', 'c@example.test']), body);
      const half = await queue.record(
        id,
        [{ address: 'b@example.test', outcome: 'delivered', reply: replyOf('250') }],
        T + 1,
      );
      expect(half.completedAt).toBeUndefined();
      expect(ids(queue.due(T + 1, 10, none))).toEqual([id]);
      const done = await queue.record(
        id,
        [{ address: 'c@example.test', outcome: 'bounced', reply: replyOf('550') }],
        T + 2,
      );
      expect(statuses(done)).toEqual(['delivered', 'bounced']);
      expect(done.completedAt).toBe(T + 2);
      expect(queue.due(LATER, 10, none)).toEqual([]);
      expect(queue.nextDueAt()).toBeUndefined();
      expect((await queue.body(id))?.equals(body)).toBe(true);
    });

    it('results for final recipients, unknown addresses and completed messages change nothing', async () => {
      const { id } = await enqueue(mail(T, ['b@example.test', 'c@example.test']));
      const first = await queue.record(
        id,
        [{ address: 'b@example.test', outcome: 'delivered', reply: replyOf('250') }],
        T + 1,
      );
      const again = await queue.record(
        id,
        [
          { address: 'b@example.test', outcome: 'bounced', reply: replyOf('550 late') },
          { address: 'x@example.test', outcome: 'delivered', reply: replyOf('250') },
        ],
        T + 2,
      );
      expect(again.recipients).toStrictEqual(first.recipients);
      const done = await queue.record(
        id,
        [{ address: 'c@example.test', outcome: 'delivered', reply: replyOf('250') }],
        T + 3,
      );
      const late = await queue.record(
        id,
        [{ address: 'c@example.test', outcome: 'bounced', reply: replyOf('550') }],
        T + 4,
      );
      expect(late).toStrictEqual(done);
    });

    it('record() and expire() reject an unknown id with E_MESSAGE_UNKNOWN', async () => {
      const unknown = newQueueId(T);
      const result = { address: 'b@example.test', outcome: 'delivered', reply: replyOf('250') } as const;
      await expect(queue.record(unknown, [result], T)).rejects.toSatisfy((e) => isGatewayError(e, 'E_MESSAGE_UNKNOWN'));
      const expiring = queue.expire(unknown, ['b@example.test'], T, 'too old');
      await expect(expiring).rejects.toSatisfy((e) => isGatewayError(e, 'E_MESSAGE_UNKNOWN'));
    });

    it('expire() gives up on the listed pending recipients only, and completes the message last', async () => {
      const { id } = await enqueue(mail(T, ['b@example.test', 'c@example.test', 'd@example.test']));
      await queue.record(id, [{ address: 'b@example.test', outcome: 'delivered', reply: replyOf('250') }], T + 1);
      const some = await queue.expire(id, ['b@example.test', 'c@example.test'], T + 2, 'too old');
      expect(statuses(some)).toEqual(['delivered', 'expired', 'queued']);
      expect(some.recipients.map((r) => r.lastReply)).toEqual(['250', 'too old', undefined]);
      expect(some.completedAt).toBeUndefined();
      const all = await queue.expire(id, ['d@example.test'], T + 3, 'too old');
      expect(statuses(all)).toEqual(['delivered', 'expired', 'expired']);
      expect(all.completedAt).toBe(T + 3);
      expect(queue.due(LATER, 10, none)).toEqual([]);
    });

    it('nextDueAt() is the earliest pending attempt, undefined when nothing is pending', async () => {
      expect(queue.nextDueAt()).toBeUndefined();
      const later = await enqueue(mail(T + 5));
      const sooner = await enqueue(mail(T + 3));
      expect(queue.nextDueAt()).toBe(T + 3);
      await queue.record(
        sooner.id,
        [{ address: 'b@example.test', outcome: 'delivered', reply: replyOf('250') }],
        T + 6,
      );
      expect(queue.nextDueAt()).toBe(T + 5);
      await queue.expire(later.id, ['b@example.test'], T + 7, 'too old');
      expect(queue.nextDueAt()).toBeUndefined();
    });

    it('depth() counts pending mail, countPending() per tenant', async () => {
      const a = await enqueue(mail(T, ['b@example.test', 'c@example.test'], 't1'));
      await enqueue(mail(T + 1, ['b@example.test'], 't1'));
      const c = await enqueue(mail(T + 2, ['b@example.test'], 't2'));
      await queue.record(a.id, [{ address: 'b@example.test', outcome: 'deferred', reply: replyOf('451') }], T + 3);
      expect(queue.depth()).toMatchObject({ messages: 3, queued: 3, deferred: 1 });
      expect(queue.depth().held ?? 0).toBe(0);
      expect([queue.countPending('t1'), queue.countPending('t2'), queue.countPending('t3')]).toEqual([2, 1, 0]);
      await queue.record(c.id, [{ address: 'b@example.test', outcome: 'bounced', reply: replyOf('550') }], T + 4);
      await queue.record(a.id, [{ address: 'c@example.test', outcome: 'delivered', reply: replyOf('250') }], T + 4);
      expect(queue.depth()).toMatchObject({ messages: 2, queued: 1, deferred: 1 });
      expect([queue.countPending('t1'), queue.countPending('t2')]).toEqual([2, 0]);
    });

    it("dueTenants() names tenants with mail waiting, dueOf() reads one tenant's due mail", async () => {
      const a = await enqueue(mail(T, ['b@example.test'], 't1'));
      const b = await enqueue(mail(T + 1, ['b@example.test'], 't1'));
      const c = await enqueue(mail(T + 2, ['b@example.test'], 't2'));
      expect(queue.dueTenants().sort()).toEqual(['t1', 't2']);
      expect(ids(queue.dueOf('t1', T + 5, 10, none))).toEqual([a.id, b.id]);
      expect(ids(queue.dueOf('t1', T + 5, 1, none))).toEqual([a.id]);
      expect(ids(queue.dueOf('t1', T + 5, 10, new Set([a.id])))).toEqual([b.id]);
      expect(queue.dueOf('t2', T + 1, 10, none)).toEqual([]);
      await queue.record(c.id, [{ address: 'b@example.test', outcome: 'deferred', reply: replyOf('451') }], T + 3);
      expect(queue.dueTenants().sort()).toEqual(['t1', 't2']);
      expect(queue.dueOf('t2', T + 3, 10, none)).toEqual([]);
      await queue.expire(c.id, ['b@example.test'], T + 4, 'too old');
      expect(queue.dueTenants()).toEqual(['t1']);
    });

    it('lease() and unlease() leave the record and due() alone: exclusion is the caller', async () => {
      const stored = await enqueue(mail(T));
      queue.lease(stored.id, T + 1);
      expect(ids(queue.due(T + 1, 10, none))).toEqual([stored.id]);
      queue.unlease(stored.id);
      expect(await queue.get(stored.id)).toStrictEqual(stored);
    });

    effectsCases(() => queue);
  });
}
