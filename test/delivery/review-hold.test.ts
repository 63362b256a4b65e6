import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { HoldRequest } from '../../src/core/hold.js';
import type { RenderedMessage } from '../../src/core/rendered.js';
import type { Envelope, QueuedMessage } from '../../src/core/types.js';
import { attemptMessage } from '../../src/delivery/attempt.js';
import { createDestinationSlots } from '../../src/delivery/destination-slots.js';
import { MemoryQueue } from '../helpers/memory-queue.js';
import { replyOf } from '../helpers/smtp-replies.js';

/** The attempt acts on a rendering that asks for review: it keeps the bytes and holds, and never sends. */
const logger = pino({ level: 'silent' });
const HOLD: HoldRequest = { reason: 'document-type', detail: 'every reminder is held for review' };

async function queued(queue: MemoryQueue): Promise<QueuedMessage> {
  return queue.enqueue(
    {
      id: 'Q1',
      tenantId: 't',
      kind: 'mail',
      envelope: { from: 's@x.test', to: ['a@one.test', 'b@two.test'] },
      receivedAt: 1_000,
      client: { address: '127.0.0.1', helo: 'h' },
      messageId: '<m@x>',
    },
    Buffer.from('Subject: s\r\n\r\nbody\r\n'),
  );
}

function attempt(queue: MemoryQueue, sent: Envelope[], holdForReview: (...args: unknown[]) => Promise<QueuedMessage>) {
  return (message: QueuedMessage) =>
    attemptMessage(
      {
        queue,
        logger,
        clock: () => 2_000,
        slots: createDestinationSlots(1),
        transportFor: () => ({
          name: 'fake',
          send: async (envelope) => {
            sent.push(envelope);
            return {
              recipients: envelope.to.map((address) => ({
                address,
                outcome: 'delivered' as const,
                reply: replyOf('250 ok'),
              })),
            };
          },
          close: async () => undefined,
        }),
        plan: async (m, body) => [
          {
            route: { kind: 'direct', domain: 'one.test' },
            recipients: ['a@one.test'],
            envelope: m.envelope,
            raw: body,
            renderedWith: 'fp',
            hold: HOLD,
          },
          {
            route: { kind: 'direct', domain: 'two.test' },
            recipients: ['b@two.test'],
            envelope: m.envelope,
            raw: body,
            renderedWith: 'fp',
            hold: HOLD,
          },
        ],
        review: { holdForReview },
      },
      message,
      2_000,
    );
}

describe('a rendering that asks for review', () => {
  it('is kept whole and the message held; nothing is sent and nothing recorded', async () => {
    const queue = new MemoryQueue();
    const message = await queued(queue);
    const sent: Envelope[] = [];
    const calls: Array<{ request: HoldRequest; rendered: RenderedMessage }> = [];
    const results = await attempt(queue, sent, async (_id, _now, request, rendered) => {
      calls.push({ request: request as HoldRequest, rendered: rendered as RenderedMessage });
      return message;
    })(message);
    expect(results).toEqual([]);
    expect(sent).toEqual([]);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.request).toEqual(HOLD);
    expect(calls[0]?.rendered.fingerprint).toBe('fp');
    expect(calls[0]?.rendered.deliveries.map((d) => d.recipients)).toEqual([['a@one.test'], ['b@two.test']]);
  });

  it('when the hold cannot be written (disk full): every recipient deferred, still nothing sent', async () => {
    const queue = new MemoryQueue();
    const message = await queued(queue);
    const sent: Envelope[] = [];
    const results = await attempt(queue, sent, async () => {
      throw new Error('MDB_MAP_FULL');
    })(message);
    expect(sent).toEqual([]);
    expect(results.map((r) => [r.address, r.outcome, r.reply.code])).toEqual([
      ['a@one.test', 'deferred', 451],
      ['b@two.test', 'deferred', 451],
    ]);
  });
});
