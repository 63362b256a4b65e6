import { describe, expect, it } from 'vitest';
import { applyResults, newRecord } from '../../../src/queue/records.js';
import { replyOf } from '../../helpers/smtp-replies.js';

/**
 * RecipientResult.notBefore (added for Gmail's Retry-After and daily limit): the retry schedule never comes earlier.
 */
const policy = { initialDelayMs: 1000, maxDelayMs: 10_000, maxAgeMs: 3_600_000, jitter: 0 };
const record = newRecord(
  {
    id: '01JD4T8X9M2C5V7B3N6K0QWERT',
    tenantId: 'T1',
    kind: 'mail',
    envelope: { from: 'a@x.test', to: ['b@y.test'] },
    receivedAt: 0,
    client: { address: '127.0.0.1', helo: 'h' },
    messageId: '<m@x>',
  },
  10,
);

describe('deferred results with notBefore', () => {
  it('waits until notBefore when it is later than the schedule, else keeps the schedule', () => {
    const later = applyResults(
      record,
      [{ address: 'b@y.test', outcome: 'deferred', reply: replyOf('451 x'), notBefore: 120_000 }],
      100,
      policy,
      () => 0.5,
    );
    expect(later.recipients[0]?.nextAttemptAt).toBe(120_000);
    const sooner = applyResults(
      record,
      [{ address: 'b@y.test', outcome: 'deferred', reply: replyOf('451 x'), notBefore: 200 }],
      100,
      policy,
      () => 0.5,
    );
    expect(sooner.recipients[0]?.nextAttemptAt).toBe(1100);
    const none = applyResults(
      record,
      [{ address: 'b@y.test', outcome: 'deferred', reply: replyOf('451 x') }],
      100,
      policy,
      () => 0.5,
    );
    expect(none.recipients[0]?.nextAttemptAt).toBe(1100);
  });
});
