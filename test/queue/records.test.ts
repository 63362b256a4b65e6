import { describe, expect, it } from 'vitest';
import type { NewMessage, QueuedMessage } from '../../src/core/types.js';
import {
  MAX_HISTORY,
  applyExpiry,
  applyResults,
  newRecord,
  placement,
  samePlacement,
} from '../../src/queue/records.js';
import type { RetryPolicy } from '../../src/queue/retry-schedule.js';
import { replyOf } from '../helpers/smtp-replies.js';

const policy: RetryPolicy = { initialDelayMs: 100, maxDelayMs: 1_000, maxAgeMs: 10_000, jitter: 0 };
const mid = (): number => 0.5;

function message(to: string[], receivedAt = 1_000): NewMessage {
  return {
    id: 'M1',
    tenantId: 't1',
    kind: 'mail',
    envelope: { from: 'a@x.test', to },
    receivedAt,
    client: { address: '127.0.0.1', helo: 'client' },
    messageId: '<m1@x.test>',
  };
}

describe('newRecord', () => {
  it('queues every recipient with no attempts, due at arrival, as plain JSON data', () => {
    const input = message(['b@y.test', 'c@y.test']);
    const rec = newRecord(input, 1234);
    expect(rec.recipients).toEqual([
      { address: 'b@y.test', status: 'queued', attempts: 0, nextAttemptAt: 1_000, history: [] },
      { address: 'c@y.test', status: 'queued', attempts: 0, nextAttemptAt: 1_000, history: [] },
    ]);
    expect(rec.size).toBe(1234);
    expect(rec.completedAt).toBeUndefined();
    expect('subject' in rec).toBe(false);
    expect(JSON.parse(JSON.stringify(rec))).toEqual(rec);
    expect(rec.envelope.to).not.toBe(input.envelope.to);
  });

  it('keeps the subject when there is one', () => {
    expect(newRecord({ ...message(['b@y.test']), subject: 'Factuur 12' }, 1).subject).toBe('Factuur 12');
  });

  it('marks a message without recipients complete at once', () => {
    expect(newRecord(message([]), 1).completedAt).toBe(1_000);
  });
});

describe('applyResults', () => {
  const start = newRecord(message(['b@y.test', 'c@y.test', 'd@y.test']), 10);

  it('applies delivered, bounced and deferred per recipient with history', () => {
    const next = applyResults(
      start,
      [
        { address: 'b@y.test', outcome: 'delivered', reply: replyOf('250 ok'), nextHop: 'mx:25' },
        { address: 'c@y.test', outcome: 'bounced', reply: replyOf('550 no such user') },
        { address: 'd@y.test', outcome: 'deferred', reply: replyOf('451 later') },
      ],
      2_000,
      policy,
      mid,
    );
    const [b, c, d] = next.recipients;
    expect(b).toMatchObject({ status: 'delivered', attempts: 1, lastReply: '250 ok' });
    expect(b?.history).toEqual([{ at: 2_000, outcome: 'delivered', reply: '250 ok', nextHop: 'mx:25' }]);
    expect(c).toMatchObject({ status: 'bounced', attempts: 1, lastReply: '550 no such user' });
    expect(c?.history[0]).not.toHaveProperty('nextHop');
    expect(d).toMatchObject({ status: 'deferred', attempts: 1, nextAttemptAt: 2_100 });
    expect(next.completedAt).toBeUndefined();
    expect(start.recipients[0]?.status).toBe('queued'); // input untouched
  });

  it('backs off further on each deferral and completes when all are final', () => {
    let rec = applyResults(
      start,
      [
        { address: 'b@y.test', outcome: 'delivered', reply: replyOf('250') },
        { address: 'c@y.test', outcome: 'delivered', reply: replyOf('250') },
        { address: 'd@y.test', outcome: 'deferred', reply: replyOf('451') },
      ],
      2_000,
      policy,
      mid,
    );
    rec = applyResults(rec, [{ address: 'd@y.test', outcome: 'deferred', reply: replyOf('451') }], 2_100, policy, mid);
    expect(rec.recipients[2]).toMatchObject({ attempts: 2, nextAttemptAt: 2_300 });
    rec = applyResults(rec, [{ address: 'd@y.test', outcome: 'delivered', reply: replyOf('250') }], 2_300, policy, mid);
    expect(rec.completedAt).toBe(2_300);
    expect(rec.recipients[2]?.history.map((h) => h.outcome)).toEqual(['deferred', 'deferred', 'delivered']);
  });

  it('ignores results for unknown or already final recipients', () => {
    const done = applyResults(
      start,
      [{ address: 'b@y.test', outcome: 'bounced', reply: replyOf('550') }],
      2_000,
      policy,
      mid,
    );
    const again = applyResults(
      done,
      [
        { address: 'b@y.test', outcome: 'delivered', reply: replyOf('250') },
        { address: 'zz@y.test', outcome: 'delivered', reply: replyOf('250') },
      ],
      3_000,
      policy,
      mid,
    );
    expect(again.recipients[0]).toEqual(done.recipients[0]);
    expect(again.recipients.map((r) => r.address)).toEqual(['b@y.test', 'c@y.test', 'd@y.test']);
  });

  it('expires a deferral once the message is maxAgeMs old', () => {
    const young = applyResults(
      start,
      [{ address: 'b@y.test', outcome: 'deferred', reply: replyOf('451 a') }],
      10_999,
      policy,
      mid,
    );
    expect(young.recipients[0]?.status).toBe('deferred');
    const old = applyResults(
      young,
      [{ address: 'b@y.test', outcome: 'deferred', reply: replyOf('451 b') }],
      11_000,
      policy,
      mid,
    );
    expect(old.recipients[0]).toMatchObject({ status: 'expired', attempts: 2, lastReply: '451 b' });
  });

  it('keeps at most MAX_HISTORY attempts, the latest ones', () => {
    let rec: QueuedMessage = newRecord(message(['b@y.test'], 0), 1);
    const long = { ...policy, maxAgeMs: 1e12 };
    for (let i = 1; i <= MAX_HISTORY + 5; i++) {
      rec = applyResults(
        rec,
        [{ address: 'b@y.test', outcome: 'deferred', reply: replyOf(`451 #${i}`) }],
        i,
        long,
        mid,
      );
    }
    const history = rec.recipients[0]?.history ?? [];
    expect(history).toHaveLength(MAX_HISTORY);
    expect(history.at(-1)?.reply).toBe(`451 #${MAX_HISTORY + 5}`);
    expect(rec.recipients[0]?.attempts).toBe(MAX_HISTORY + 5);
  });
});

describe('applyExpiry', () => {
  it('expires only listed pending recipients and completes when none is left', () => {
    const start = newRecord(message(['b@y.test', 'c@y.test']), 1);
    const delivered = applyResults(
      start,
      [{ address: 'b@y.test', outcome: 'delivered', reply: replyOf('250') }],
      5,
      policy,
      mid,
    );
    const partial = applyExpiry(delivered, ['b@y.test'], 6, 'too old');
    expect(partial.recipients[0]?.status).toBe('delivered');
    expect(partial.completedAt).toBeUndefined();
    const done = applyExpiry(partial, ['c@y.test'], 7, 'too old');
    expect(done.recipients[1]).toMatchObject({ status: 'expired', lastReply: 'too old', attempts: 0 });
    expect(done.completedAt).toBe(7);
  });
});

describe('placement', () => {
  it('puts fresh mail in incoming by arrival and attempted mail in deferred by earliest due time', () => {
    const start = newRecord(message(['b@y.test', 'c@y.test'], 500), 1);
    expect(placement(start)).toEqual({ index: 'incoming', key: [500, 'M1'] });
    const deferred = applyResults(
      start,
      [{ address: 'b@y.test', outcome: 'deferred', reply: replyOf('451') }],
      900,
      policy,
      mid,
    );
    // c@ was never tried: still due since arrival, so the message is due at 500
    expect(placement(deferred)).toEqual({ index: 'deferred', key: [500, 'M1'] });
    const onlyB = applyResults(
      deferred,
      [{ address: 'c@y.test', outcome: 'delivered', reply: replyOf('250') }],
      950,
      policy,
      mid,
    );
    expect(placement(onlyB)).toEqual({ index: 'deferred', key: [1_000, 'M1'] });
    const done = applyResults(
      onlyB,
      [{ address: 'b@y.test', outcome: 'bounced', reply: replyOf('550') }],
      1_000,
      policy,
      mid,
    );
    expect(placement(done)).toBeUndefined();
    expect(samePlacement(placement(start), placement(start))).toBe(true);
    expect(samePlacement(placement(start), placement(deferred))).toBe(false);
    expect(samePlacement(undefined, undefined)).toBe(true);
  });
});
