import { describe, expect, it } from 'vitest';
import type { NewMessage, QueuedMessage } from '../../src/core/types.js';
import { applyHold } from '../../src/queue/admin-actions.js';
import { DepthCounter } from '../../src/queue/depth-counter.js';
import { applyResults, newRecord } from '../../src/queue/records.js';
import { replyOf } from '../helpers/smtp-replies.js';

const policy = { initialDelayMs: 100, maxDelayMs: 1_000, maxAgeMs: 10_000, jitter: 0 };

function record(id: string, tenantId: string, to: string[]): QueuedMessage {
  const input: NewMessage = {
    id,
    tenantId,
    kind: 'mail',
    envelope: { from: 'a@x.test', to },
    receivedAt: 1_000,
    client: { address: '127.0.0.1', helo: 'c' },
    messageId: `<${id}@x.test>`,
  };
  return newRecord(input, 1);
}

describe('DepthCounter', () => {
  it('counts per tenant and in total, held included, and forgets tenants at zero', () => {
    const counter = new DepthCounter();
    const a = record('A', 't1', ['b@y.test', 'c@y.test']);
    const b = record('B', 't2', ['d@y.test']);
    counter.add(a);
    counter.add(b);
    expect(counter.snapshot()).toEqual({ messages: 2, queued: 3, deferred: 0, held: 0 });
    expect(counter.snapshot('t1')).toEqual({ messages: 1, queued: 2, deferred: 0, held: 0 });

    const deferred = applyResults(
      a,
      [{ address: 'b@y.test', outcome: 'deferred', reply: replyOf('451') }],
      2_000,
      policy,
      () => 0.5,
    );
    const held = applyHold(deferred, 2_001);
    counter.remove(a);
    counter.add(held);
    expect(counter.snapshot('t1')).toEqual({ messages: 1, queued: 0, deferred: 0, held: 2 });
    expect(counter.snapshot()).toEqual({ messages: 2, queued: 1, deferred: 0, held: 2 });

    const done = applyResults(
      b,
      [{ address: 'd@y.test', outcome: 'delivered', reply: replyOf('250') }],
      2_000,
      policy,
      () => 0.5,
    );
    counter.remove(b);
    counter.add(done);
    expect(counter.snapshot('t2')).toEqual({ messages: 0, queued: 0, deferred: 0, held: 0 });
    expect(counter.snapshot('never-seen')).toEqual({ messages: 0, queued: 0, deferred: 0, held: 0 });
    expect(counter.snapshot()).toEqual({ messages: 1, queued: 0, deferred: 0, held: 2 });
  });
});
