import { describe, expect, it } from 'vitest';
import type { DeliveryAttempt, QueuedMessage, RecipientState } from '../../src/core/types.js';
import { DELIVERED_AFTER_MS, messageState, plainStateOf, recipientState } from '../../src/queue/plain-state.js';

const T0 = 1_700_000_000_000;
const relay250: DeliveryAttempt = { at: T0 + 1_000, outcome: 'delivered', reply: '250 2.0.0 Ok', nextHop: 'smtp:587' };
const mx250: DeliveryAttempt = {
  at: T0 + 1_000,
  outcome: 'delivered',
  reply: '250 2.0.0 Ok',
  nextHop: 'mx.example[127.0.0.1]:25',
};

function rcpt(
  status: RecipientState['status'],
  history: DeliveryAttempt[],
  role?: RecipientState['role'],
): RecipientState {
  return { address: 'klant@example.com', status, attempts: 1, nextAttemptAt: T0, history, ...(role ? { role } : {}) };
}

const state = (r: RecipientState, firstReadAt?: number, now = T0 + 2_000) =>
  recipientState(T0, r, { firstReadAt }, now).state;

describe('recipientState', () => {
  it('a relay 250 is "sent" until DELIVERED_AFTER_MS passed without a bounce, then "delivered"', () => {
    const r = rcpt('delivered', [relay250]);
    expect(state(r)).toBe('sent');
    expect(state(r, undefined, relay250.at + DELIVERED_AFTER_MS - 1)).toBe('sent');
    expect(state(r, undefined, relay250.at + DELIVERED_AFTER_MS)).toBe('delivered');
  });

  it('a 250 from the receiving MX itself, or the dev mailbox, is "delivered" at once', () => {
    expect(state(rcpt('delivered', [mx250]))).toBe('delivered');
    expect(state(rcpt('delivered', [{ ...relay250, nextHop: 'capture' }]))).toBe('delivered');
  });

  it('a human open makes it "read", a reply "replied"; an auto-reply changes nothing', () => {
    expect(state(rcpt('delivered', [relay250]), T0 + 1_500)).toBe('read');
    const replied: DeliveryAttempt = { at: T0 + 1_800, outcome: 'replied', reply: 'reply received' };
    expect(state(rcpt('delivered', [mx250, replied]), T0 + 1_500)).toBe('replied');
    const auto: DeliveryAttempt = { at: T0 + 1_800, outcome: 'auto-reply', reply: 'auto-reply received' };
    expect(state(rcpt('delivered', [mx250, auto]))).toBe('delivered');
  });

  it('a relay that reports a delay after its 250 makes it "deferred" again, and never "delivered" by time', () => {
    const delayed: DeliveryAttempt = { at: T0 + 1_500, outcome: 'delayed', reply: 'delayed: 4.4.1' };
    const r = rcpt('delivered', [relay250, delayed]);
    expect(state(r)).toBe('deferred');
    expect(state(r, undefined, T0 + 10 * DELIVERED_AFTER_MS)).toBe('deferred');
  });

  it('the queue statuses map one to one; expired is "bounced" with its reason in the history', () => {
    expect(state(rcpt('queued', []))).toBe('queued');
    expect(state(rcpt('held', []))).toBe('held');
    expect(state(rcpt('deferred', []))).toBe('deferred');
    expect(state(rcpt('cancelled', []))).toBe('cancelled');
    expect(state(rcpt('bounced', []))).toBe('bounced');
    const expired = { ...rcpt('expired', []), lastReply: 'gave up after 5 days' };
    const out = recipientState(T0, expired, {}, T0 + 1);
    expect(out.state).toBe('bounced');
    expect(out.history.at(-1)).toMatchObject({ state: 'bounced', detail: 'gave up after 5 days' });
  });

  it('keeps the history in time order, from "queued" at arrival to a late bounce', () => {
    const late: DeliveryAttempt = {
      at: T0 + 5_000,
      outcome: 'bounced',
      reply: '550 5.1.1 no such user',
      nextHop: 'dsn',
    };
    const out = recipientState(T0, rcpt('bounced', [relay250, late]), {}, T0 + 6_000);
    expect(out.history.map((e) => e.state)).toEqual(['queued', 'sent', 'bounced']);
    expect(out.state).toBe('bounced');
  });
});

describe('messageState', () => {
  it('a bounce first, then pending states, then the furthest progress; cancelled only when all are', () => {
    expect(messageState(['read', 'bounced'])).toBe('bounced');
    expect(messageState(['delivered', 'deferred'])).toBe('deferred');
    expect(messageState(['sent', 'read', 'cancelled'])).toBe('read');
    expect(messageState(['cancelled', 'cancelled'])).toBe('cancelled');
  });

  it('the archive copy does not make the message: only client recipients do', () => {
    const msg: QueuedMessage = {
      id: 'M1',
      tenantId: 't1',
      kind: 'mail',
      envelope: { from: 'a@x.test', to: ['klant@example.com', 'archief@acme.test'] },
      recipients: [rcpt('delivered', [mx250]), { ...rcpt('bounced', [], 'archive'), address: 'archief@acme.test' }],
      receivedAt: T0,
      size: 10,
      client: { address: '127.0.0.1', helo: 'x' },
      messageId: '<m1@x.test>',
    };
    const out = plainStateOf(msg, () => ({}), T0 + 2_000);
    expect(out.state).toBe('delivered');
    expect(out.recipients['archief@acme.test']?.state).toBe('bounced');
  });
});
