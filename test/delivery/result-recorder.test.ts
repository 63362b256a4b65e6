import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { RecipientResult } from '../../src/core/types.js';
import { createResultRecorder } from '../../src/delivery/result-recorder.js';
import { MemoryQueue } from '../helpers/memory-queue.js';
import { replyOf } from '../helpers/smtp-replies.js';

const silent = pino({ level: 'silent' });
const delivered = (address: string): RecipientResult => ({
  address,
  outcome: 'delivered',
  reply: replyOf('250 2.0.0 Ok'),
});
const bounced = (address: string): RecipientResult => ({
  address,
  outcome: 'bounced',
  reply: replyOf('550 5.1.1 no such user'),
});
const deferred = (address: string): RecipientResult => ({
  address,
  outcome: 'deferred',
  reply: replyOf('451 4.3.0 later'),
});

async function queueWith(to: string[]): Promise<{ queue: MemoryQueue; id: string }> {
  const queue = new MemoryQueue();
  const msg = await queue.enqueue(
    {
      id: 'm1',
      tenantId: 't1',
      kind: 'mail',
      envelope: { from: 'a@sender.test', to },
      receivedAt: 1,
      client: { address: '127.0.0.1', helo: 'c' },
      messageId: '<m1@sender.test>',
    },
    Buffer.from('x'),
  );
  return { queue, id: msg.id };
}

describe('result recorder', () => {
  it("records a delivery's 250s as its send returns, bounces and deferrals only at the end", async () => {
    const { queue, id } = await queueWith(['a@one.test', 'b@two.test', 'c@three.test']);
    const recorder = createResultRecorder(queue, id, () => 10, silent);
    recorder.sent([delivered('a@one.test'), bounced('b@two.test')]);
    await Promise.resolve();
    const status = (a: string) => queue.get(id)!.recipients.find((r) => r.address === a)!.status;
    expect([status('a@one.test'), status('b@two.test')]).toEqual(['delivered', 'queued']);

    const all = [delivered('a@one.test'), bounced('b@two.test'), deferred('c@three.test')];
    const { after, results, failed } = await recorder.finish(all);
    expect(failed).toBe(false);
    expect(results.map((r) => r.address).sort()).toEqual(['a@one.test', 'b@two.test', 'c@three.test']);
    expect(after!.recipients.map((r) => [r.status, r.attempts])).toEqual([
      ['delivered', 1],
      ['bounced', 1],
      ['deferred', 1],
    ]);
  });

  it('reports a failed record and leaves those recipients out of what is on record', async () => {
    const { queue, id } = await queueWith(['a@one.test', 'b@two.test']);
    const record = queue.record.bind(queue);
    let calls = 0;
    queue.record = async (...args) => {
      if (calls++ === 1) throw new Error('disk full');
      return record(...args);
    };
    const recorder = createResultRecorder(queue, id, () => 10, silent);
    recorder.sent([delivered('a@one.test')]);
    const { after, results, failed } = await recorder.finish([delivered('a@one.test'), deferred('b@two.test')]);
    expect(failed).toBe(true);
    expect(results.map((r) => r.address)).toEqual(['a@one.test']);
    expect(after!.recipients.map((r) => r.status)).toEqual(['delivered', 'queued']);
  });
});
