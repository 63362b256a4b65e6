import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { Envelope, QueuedMessage, Route, Transport } from '../../src/core/types.js';
import { attemptMessage, completeResults } from '../../src/delivery/attempt.js';
import { createDestinationSlots } from '../../src/delivery/destination-slots.js';
import { MemoryQueue } from '../helpers/memory-queue.js';
import { replyOf } from '../helpers/smtp-replies.js';
import { GatewayError } from '../../src/core/gateway-error.js';
import { replyLine, smtpReply } from '../../src/core/smtp-reply.js';
import { signingFailed } from '../../src/mailauth/sign-stage.js';

const logger = pino({ level: 'silent' });

async function queued(queue: MemoryQueue, to: string[]): Promise<QueuedMessage> {
  return queue.enqueue(
    {
      id: 'Q1',
      tenantId: 't',
      kind: 'mail',
      envelope: { from: 's@x.test', to },
      receivedAt: 1_000,
      client: { address: '127.0.0.1', helo: 'h' },
      messageId: '<m@x>',
    },
    Buffer.from('Subject: s\r\n\r\nbody\r\n'),
  );
}

function recordingTransport(sent: Array<{ envelope: Envelope; route: Route }>): Transport {
  return {
    name: 'fake',
    send: async (envelope, _raw, route) => {
      sent.push({ envelope, route });
      return {
        recipients: envelope.to
          .filter((a) => !a.startsWith('lost'))
          .map((address) => ({ address, outcome: 'delivered' as const, reply: replyOf('250 ok') })),
      };
    },
    close: async () => undefined,
  };
}

describe('attemptMessage', () => {
  it('sends each planned group, and defers what the plan or the transport left out', async () => {
    const queue = new MemoryQueue();
    const message = await queued(queue, ['a@one.test', 'b@two.test', 'lost@one.test', 'unplanned@three.test']);
    const sent: Array<{ envelope: Envelope; route: Route }> = [];
    const results = await attemptMessage(
      {
        queue,
        logger,
        clock: () => 2_000,
        slots: createDestinationSlots(1),
        transportFor: () => recordingTransport(sent),
        plan: async (m, body) => [
          {
            route: { kind: 'direct', domain: 'one.test' },
            recipients: ['a@one.test', 'lost@one.test', 'stranger@nowhere.test'],
            envelope: m.envelope,
            raw: body,
          },
          {
            route: { kind: 'direct', domain: 'two.test' },
            recipients: ['b@two.test', 'a@one.test'],
            envelope: m.envelope,
            raw: body,
          },
        ],
      },
      message,
      2_000,
    );

    expect(sent.map((s) => s.envelope.to)).toEqual([['a@one.test', 'lost@one.test'], ['b@two.test']]);
    expect(results.map((r) => [r.address, r.outcome])).toEqual([
      ['a@one.test', 'delivered'],
      ['lost@one.test', 'deferred'],
      ['b@two.test', 'delivered'],
      ['unplanned@three.test', 'deferred'],
    ]);
  });

  it("defers everything when the plan throws, with the stage's own 4xx reply when it gives one", async () => {
    const queue = new MemoryQueue();
    const message = await queued(queue, ['a@one.test', 'b@two.test']);
    const deps = {
      queue,
      logger,
      clock: () => 2_000,
      slots: createDestinationSlots(1),
      transportFor: () => recordingTransport([]),
    };
    const signing = signingFailed('pool down');
    const withReply = await attemptMessage(
      {
        ...deps,
        plan: async () => {
          throw signing;
        },
      },
      message,
      2_000,
    );
    expect(withReply.map((r) => [r.outcome, replyLine(r.reply)])).toEqual([
      ['deferred', '451 4.7.5 DKIM signing failed, will retry'],
      ['deferred', '451 4.7.5 DKIM signing failed, will retry'],
    ]);
    const plain = await attemptMessage(
      {
        ...deps,
        plan: async () => {
          throw new GatewayError('E_DEFERRED', 'x', { reply: smtpReply(550, '5.5.0', 'nope') });
        },
      },
      message,
      2_000,
    );
    expect(plain.every((r) => r.outcome === 'deferred' && r.reply.code === 451 && r.reply.enhanced === '4.3.0')).toBe(
      true,
    );
  });

  it('attempts nothing when no recipient is due yet', async () => {
    const queue = new MemoryQueue();
    const message = await queued(queue, ['a@one.test']);
    const sent: Array<{ envelope: Envelope; route: Route }> = [];
    const results = await attemptMessage(
      {
        queue,
        logger,
        clock: () => 0,
        slots: createDestinationSlots(1),
        transportFor: () => recordingTransport(sent),
        plan: async (m, body, pending) => [
          { route: { kind: 'capture' }, recipients: pending.map((r) => r.address), envelope: m.envelope, raw: body },
        ],
      },
      message,
      500,
    );
    expect(results).toEqual([]);
    expect(sent).toEqual([]);
  });

  it('completeResults drops strangers and fills gaps with a deferral', () => {
    expect(
      completeResults(
        ['a@x.test', 'b@x.test'],
        [
          { address: 'b@x.test', outcome: 'bounced', reply: replyOf('550 no') },
          { address: 'c@x.test', outcome: 'delivered', reply: replyOf('250') },
        ],
      ).map((r) => [r.address, r.outcome]),
    ).toEqual([
      ['a@x.test', 'deferred'],
      ['b@x.test', 'bounced'],
    ]);
  });
});
