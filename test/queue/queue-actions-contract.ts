import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isGatewayError } from '../../src/core/gateway-error.js';
import type { HoldRequest } from '../../src/core/hold.js';
import { newQueueId } from '../../src/core/ids.js';
import type { RenderedMessage } from '../../src/core/rendered.js';
import type { QueuedMessage } from '../../src/core/types.js';
import type { GatewayQueue } from '../../src/queue/gateway-queue.js';
import { replyOf } from '../helpers/smtp-replies.js';
import { delivered, mail, rawMail, type OpenedLogQueue, type OpenLogQueue } from './message-log-contract.js';

const none: ReadonlySet<string> = new Set();
const request: HoldRequest = { reason: 'missing-variable', detail: 'no value for %due-date%' };

function rendering(text: string): RenderedMessage {
  return {
    fingerprint: 'settings-1',
    deliveries: [
      { route: { kind: 'capture' }, recipients: ['b@example.test'], from: 'a@example.test', raw: rawMail(text) },
    ],
  };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => new Error('expected a rejection'),
    (err: unknown) => err,
  );
}

const code = async (promise: Promise<unknown>): Promise<string | undefined> => {
  const err = await rejection(promise);
  for (const c of ['E_MESSAGE_UNKNOWN', 'E_CONFLICT'] as const) if (isGatewayError(err, c)) return c;
  return String(err);
};

/**
 * The admin's queue actions and the review and resend flows, for every GatewayQueue: one
 * transaction each, E_MESSAGE_UNKNOWN for an unknown id, E_CONFLICT (nothing written) for an
 * action that does not apply.
 */
export function queueActionsContract(name: string, open: OpenLogQueue): void {
  describe(`queue actions contract: ${name}`, () => {
    let opened: OpenedLogQueue;
    let queue: GatewayQueue;

    beforeEach(async () => {
      opened = await open(() => 10_000);
      queue = opened.queue;
    });
    afterEach(async () => {
      await opened.close();
    });

    async function deferred(receivedAt = 1_000, tenantId = 't1'): Promise<QueuedMessage> {
      const m = await queue.enqueue(mail(receivedAt, { tenantId }), rawMail('x'));
      const results = [{ address: 'b@example.test', outcome: 'deferred' as const, reply: replyOf('451 4.3.0 later') }];
      return queue.record(m.id, results, 2_000);
    }

    it('retryNow makes deferred mail due now; unknown → E_MESSAGE_UNKNOWN, complete → E_CONFLICT', async () => {
      const m = await deferred();
      const after = await queue.retryNow(m.id, 5_000);
      expect(after.recipients[0]).toMatchObject({ status: 'deferred', nextAttemptAt: 5_000, attempts: 1 });
      expect(after.recipients[0]?.history.map((h) => h.outcome)).toEqual(['deferred', 'retried']);
      expect(await queue.get(m.id)).toEqual(after);
      expect(await code(queue.retryNow(newQueueId(1), 1))).toBe('E_MESSAGE_UNKNOWN');
      const done = await queue.record(m.id, [delivered()], 6_000);
      const err = await rejection(queue.retryNow(m.id, 7_000));
      expect(isGatewayError(err, 'E_CONFLICT')).toBe(true);
      expect((err as Error).message).toContain(m.id);
      expect(await queue.get(m.id)).toEqual(done);
    });

    it('hold, release and cancel change state and history; heldMessages lists holds oldest first', async () => {
      const fresh = await queue.enqueue(mail(1_000), rawMail('x'));
      const late = await deferred(1_500);
      const theirs = await queue.enqueue(mail(1_600, { tenantId: 't2' }), rawMail('y'));
      await queue.hold(late.id, 3_000, 'customer asked to wait');
      const held = await queue.hold(fresh.id, 3_001);
      await queue.hold(theirs.id, 3_002);
      expect(held).toMatchObject({ heldAt: 3_001, recipients: [{ status: 'held' }] });
      expect((await queue.get(late.id))?.recipients[0]?.history.at(-1)).toEqual({
        at: 3_000,
        outcome: 'held',
        reply: 'customer asked to wait',
      });
      expect((await queue.heldMessages('t1', 10)).map((m) => m.id)).toEqual([late.id, fresh.id]);
      expect((await queue.heldMessages(undefined, 2)).map((m) => m.id)).toEqual([late.id, fresh.id]);
      expect((await queue.heldMessages('t2', 10)).map((m) => m.id)).toEqual([theirs.id]);
      expect(await code(queue.hold(fresh.id, 3_003))).toBe('E_CONFLICT');
      expect(await code(queue.retryNow(fresh.id, 3_003))).toBe('E_CONFLICT');
      expect(await code(queue.release(newQueueId(1), 4_000))).toBe('E_MESSAGE_UNKNOWN');

      const a = await queue.release(fresh.id, 4_000);
      const b = await queue.release(late.id, 4_000, 'go');
      expect(a.recipients[0]).toMatchObject({ status: 'queued', nextAttemptAt: 4_000 });
      expect(a.heldAt).toBeUndefined();
      expect(b.recipients[0]).toMatchObject({ status: 'deferred', nextAttemptAt: 4_000 });
      expect(b.recipients[0]?.history.map((h) => h.outcome)).toEqual(['deferred', 'held', 'released']);
      expect(await code(queue.release(fresh.id, 4_001))).toBe('E_CONFLICT');
      expect((await queue.heldMessages('t1', 10)).map((m) => m.id)).toEqual([]);

      const done = await queue.cancel(theirs.id, 5_000, 'wrong customer');
      expect(done).toMatchObject({
        completedAt: 5_000,
        recipients: [{ status: 'cancelled', lastReply: 'wrong customer' }],
      });
      expect((await queue.body(theirs.id))?.equals(rawMail('y'))).toBe(true);
      expect(await code(queue.cancel(theirs.id, 5_001, 'again'))).toBe('E_CONFLICT');
      expect(await code(queue.cancel(newQueueId(1), 1, 'x'))).toBe('E_MESSAGE_UNKNOWN');
      expect(queue.countPending('t2')).toBe(0);
      expect((await queue.list({ limit: 10, status: 'cancelled' })).messages.map((m) => m.id)).toEqual([theirs.id]);
    });

    it('a review hold keeps the rendering with it; an edit replaces it; release or cancel ends it', async () => {
      const m = await queue.enqueue(mail(1_000), rawMail('x'));
      const held = await queue.holdForReview(m.id, 2_000, request, rendering('as reviewed'));
      expect(held.review).toEqual({ ...request, heldAt: 2_000 });
      expect(held.recipients[0]?.history.at(-1)?.reply).toBe(
        'held for review (missing-variable): no value for %due-date%',
      );
      const kept = await queue.rendered(m.id);
      expect(kept?.reviewed).toBe(true);
      expect(kept?.deliveries[0]?.raw.equals(rawMail('as reviewed'))).toBe(true);
      expect((await queue.heldMessages('t1', 10)).map((x) => x.id)).toEqual([m.id]);

      const edit = { subject: 'Factuur 2024-017', text: 'Corrected', at: 3_000 };
      const edited = await queue.editReview(m.id, edit, rendering('as edited'));
      expect(edited.review?.edit).toEqual(edit);
      expect((await queue.rendered(m.id))?.deliveries[0]?.raw.equals(rawMail('as edited'))).toBe(true);

      const ended = { at: 4_000, outcome: 'released' as const, by: 'tenant' as const };
      const released = await queue.endReview(m.id, 4_000, ended, 'released by the tenant');
      expect(released.review?.ended).toEqual(ended);
      expect(released.recipients[0]).toMatchObject({ status: 'queued', nextAttemptAt: 4_000 });
      expect((await queue.rendered(m.id))?.reviewed).toBe(true); // a release sends what was reviewed
      expect(await code(queue.editReview(m.id, edit, rendering('too late')))).toBe('E_CONFLICT');
      expect(await code(queue.endReview(m.id, 5_000, ended, 'again'))).toBe('E_CONFLICT');
      expect(await code(queue.holdForReview(newQueueId(1), 1, request, rendering('x')))).toBe('E_MESSAGE_UNKNOWN');

      const other = await queue.enqueue(mail(1_100), rawMail('x'));
      await queue.holdForReview(other.id, 2_000, request, rendering('to cancel'));
      const cancel = { at: 4_500, outcome: 'cancelled' as const, by: 'expiry' as const };
      const cancelled = await queue.endReview(other.id, 4_500, cancel, 'review expired');
      expect(cancelled).toMatchObject({ completedAt: 4_500, recipients: [{ status: 'cancelled' }] });
      expect(await queue.rendered(other.id)).toBeUndefined(); // nothing is sent again
    });

    it('a refused review hold writes neither the hold nor the rendering', async () => {
      const m = await queue.enqueue(mail(1_000), rawMail('x'));
      await queue.record(m.id, [delivered()], 1_500);
      expect(await code(queue.holdForReview(m.id, 2_000, request, rendering('x')))).toBe('E_CONFLICT');
      expect(await queue.rendered(m.id)).toBeUndefined();
      expect((await queue.get(m.id))?.review).toBeUndefined();
    });

    it('a resend is a new message linked from the original in one change; a gone original writes nothing', async () => {
      const original = await queue.enqueue(mail(1_000), rawMail('x'));
      const resend = { ...mail(2_000, { to: ['fixed@example.test'] }), resentFrom: original.id };
      const queued = await queue.resend(original.id, resend, rawMail('again'));
      expect(queued).toMatchObject({ id: resend.id, resentFrom: original.id, recipients: [{ status: 'queued' }] });
      expect((await queue.get(original.id))?.resentAs).toEqual([resend.id]);
      expect(await queue.get(resend.id)).toEqual(queued);
      expect((await queue.body(resend.id))?.equals(rawMail('again'))).toBe(true);
      expect(queue.countPending('t1')).toBe(2);

      const orphan = { ...mail(3_000), resentFrom: newQueueId(1) };
      expect(await code(queue.resend(orphan.resentFrom, orphan, rawMail('x')))).toBe('E_MESSAGE_UNKNOWN');
      expect(await queue.get(orphan.id)).toBeUndefined();
      expect(queue.countPending('t1')).toBe(2);
    });

    it('a late bounce and a note change a finished recipient; unknown message or address → undefined', async () => {
      const m = await queue.enqueue(mail(1_000, { to: ['jan@customer.test', 'piet@customer.test'] }), rawMail('x'));
      await queue.record(m.id, [delivered('jan@customer.test'), delivered('piet@customer.test')], 1_500);
      const after = await queue.lateBounce(m.id, 'JAN@customer.test', '550 5.1.1 User unknown', 2_000);
      expect(after?.recipients[0]).toMatchObject({ status: 'bounced', lastReply: '550 5.1.1 User unknown' });
      expect((await queue.get(m.id))?.recipients[0]?.status).toBe('bounced');
      const again = await queue.lateBounce(m.id, 'jan@customer.test', '550 again', 2_001);
      expect(again?.recipients[0]?.lastReply).toBe('550 5.1.1 User unknown');
      const noted = await queue.addNote(m.id, 'piet@customer.test', 'delayed', 'delayed: 451 later', 2_002);
      expect(noted?.recipients[1]).toMatchObject({ status: 'delivered' });
      expect(noted?.recipients[1]?.history.at(-1)).toEqual({
        at: 2_002,
        outcome: 'delayed',
        reply: 'delayed: 451 later',
      });
      expect(await queue.lateBounce(m.id, 'nobody@customer.test', '550', 3_000)).toBeUndefined();
      expect(await queue.addNote(newQueueId(1), 'jan@customer.test', 'delayed', 'x', 3_000)).toBeUndefined();
      expect((await queue.get(m.id))?.recipients[1]?.history).toHaveLength(2);
      expect(queue.due(1e15, 10, none)).toEqual([]);
    });
  });
}
