import { describe, expect, it } from 'vitest';
import { isGatewayError } from '../../src/core/gateway-error.js';
import type { NewMessage, QueuedMessage } from '../../src/core/types.js';
import { applyCancel, applyHold, applyRelease, applyRetryNow } from '../../src/queue/admin-actions.js';
import { applyResults, completedEntry, newRecord, placement } from '../../src/queue/records.js';
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

/** b@ delivered, c@ deferred (due 2_100), d@ never attempted (queued). */
function mixed(): QueuedMessage {
  const start = newRecord(message(['b@y.test', 'c@y.test', 'd@y.test']), 10);
  return applyResults(
    start,
    [
      { address: 'b@y.test', outcome: 'delivered', reply: replyOf('250') },
      { address: 'c@y.test', outcome: 'deferred', reply: replyOf('451 later') },
    ],
    2_000,
    policy,
    mid,
  );
}

function conflict(action: () => unknown): string {
  try {
    action();
  } catch (err) {
    if (isGatewayError(err, 'E_CONFLICT')) return err.message;
    throw err;
  }
  throw new Error('expected E_CONFLICT');
}

describe('applyRetryNow', () => {
  it('makes queued and deferred recipients due now, with a history entry, leaving final ones alone', () => {
    const before = mixed();
    const after = applyRetryNow(before, 2_050);
    const [b, c, d] = after.recipients;
    expect(b).toEqual(before.recipients[0]);
    expect(c).toMatchObject({ status: 'deferred', nextAttemptAt: 2_050, attempts: 1 });
    expect(c?.history.at(-1)).toEqual({ at: 2_050, outcome: 'retried', reply: 'retry requested by an administrator' });
    expect(d).toMatchObject({ status: 'queued', nextAttemptAt: 2_050, attempts: 0 });
    expect(placement(before)?.key[0]).toBe(1_000); // d@ has been due since arrival
    expect(placement(after)).toEqual({ index: 'deferred', key: [2_050, 'M1'] });
    expect(JSON.parse(JSON.stringify(after))).toEqual(after);
  });

  it('refuses a held or complete message', () => {
    expect(conflict(() => applyRetryNow(applyHold(mixed(), 2_001), 2_002))).toMatch(/held: release it/);
    const done = applyCancel(mixed(), 2_001, 'no');
    expect(conflict(() => applyRetryNow(done, 2_002))).toMatch(/complete/);
  });
});

describe('applyHold and applyRelease', () => {
  it('holds every pending recipient: no due index, heldAt set, history entries', () => {
    const held = applyHold(mixed(), 2_010);
    expect(held.recipients.map((r) => r.status)).toEqual(['delivered', 'held', 'held']);
    expect(held.heldAt).toBe(2_010);
    expect(held.completedAt).toBeUndefined();
    expect(held.recipients[1]?.history.at(-1)).toEqual({
      at: 2_010,
      outcome: 'held',
      reply: 'held by an administrator',
    });
    expect(held.recipients[0]?.history.map((h) => h.outcome)).toEqual(['delivered']);
    expect(placement(held)).toEqual({ index: 'held', key: [2_010, 'M1'] });
    expect(conflict(() => applyHold(held, 2_011))).toMatch(/already held/);
  });

  it('releases to the status before the hold, due now, and drops heldAt', () => {
    const released = applyRelease(applyHold(mixed(), 2_010), 5_000, 'customer confirmed');
    expect(released.recipients.map((r) => [r.status, r.nextAttemptAt])).toEqual([
      ['delivered', 1_000],
      ['deferred', 5_000],
      ['queued', 5_000],
    ]);
    expect(released).not.toHaveProperty('heldAt');
    expect(released.recipients[2]?.history.map((h) => [h.outcome, h.reply])).toEqual([
      ['held', 'held by an administrator'],
      ['released', 'customer confirmed'],
    ]);
    expect(placement(released)).toEqual({ index: 'deferred', key: [5_000, 'M1'] });
    expect(conflict(() => applyRelease(released, 5_001))).toMatch(/not held/);
  });

  it('puts a released never-attempted message back in incoming', () => {
    const fresh = newRecord(message(['b@y.test']), 10);
    const released = applyRelease(applyHold(fresh, 20), 30);
    expect(released.recipients[0]).toMatchObject({ status: 'queued', attempts: 0, nextAttemptAt: 30 });
    expect(placement(released)).toEqual({ index: 'incoming', key: [1_000, 'M1'] });
  });

  it('keeps a held recipient held when an attempt in flight at the hold defers, but records the attempt', () => {
    const held = applyHold(mixed(), 2_010);
    const after = applyResults(
      held,
      [
        { address: 'c@y.test', outcome: 'deferred', reply: replyOf('451 again') },
        { address: 'd@y.test', outcome: 'delivered', reply: replyOf('250 ok') },
      ],
      2_020,
      policy,
      mid,
    );
    expect(after.recipients[1]).toMatchObject({ status: 'held', attempts: 2, lastReply: '451 again' });
    expect(after.recipients[2]).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(placement(after)?.index).toBe('held');
  });
});

describe('applyCancel', () => {
  it('cancels every recipient not yet final, completes the message and counts nothing as bounced', () => {
    const cancelled = applyCancel(applyHold(mixed(), 2_010), 3_000, 'sent to the wrong customer');
    expect(cancelled.recipients.map((r) => r.status)).toEqual(['delivered', 'cancelled', 'cancelled']);
    expect(cancelled.recipients[1]).toMatchObject({ lastReply: 'sent to the wrong customer' });
    expect(cancelled.recipients[1]?.history.at(-1)).toEqual({
      at: 3_000,
      outcome: 'cancelled',
      reply: 'sent to the wrong customer',
    });
    expect(cancelled.completedAt).toBe(3_000);
    expect(cancelled).not.toHaveProperty('heldAt');
    expect(placement(cancelled)).toBeUndefined();
    expect(completedEntry(cancelled)).toEqual({ tenantId: 't1', delivered: 1, bounced: 0 });
    expect(conflict(() => applyCancel(cancelled, 3_001, 'again'))).toMatch(/complete/);
  });

  it('ignores results that arrive after the cancel', () => {
    const cancelled = applyCancel(mixed(), 3_000, 'no');
    const late = applyResults(
      cancelled,
      [{ address: 'c@y.test', outcome: 'delivered', reply: replyOf('250') }],
      3_100,
      policy,
      mid,
    );
    expect(late).toBe(cancelled);
  });
});
