import { describe, expect, it } from 'vitest';
import type { QueuedMessage, RecipientState } from '../../../src/core/types.js';
import type { Plan } from '../../../src/core/plan.js';
import { suppressedReply, suppressedTransport, withMx } from '../../../src/pipeline/suppression/mx-plan.js';
import type { SuppressionEntry } from '../../../src/feedback/suppression-store.js';
import { replyLine } from '../../../src/core/smtp-reply.js';

const recipient = (address: string): RecipientState => ({
  address,
  status: 'queued',
  attempts: 0,
  nextAttemptAt: 0,
  history: [],
});
const message = (kind: QueuedMessage['kind'], to: string[]): QueuedMessage => ({
  id: '01JD4T8X9M2C5V7B3N6K0QWERT',
  tenantId: 't1',
  kind,
  envelope: { from: 'SRS0=abcd=AA=customer.test=jan@b.test', to },
  recipients: to.map(recipient),
  receivedAt: 0,
  size: 1,
  client: { address: '127.0.0.1', helo: 'x' },
  messageId: '<m@x>',
});
const entry: SuppressionEntry = {
  address: 'gone@c.test',
  reason: '550 5.1.1 User unknown',
  bounces: 1,
  createdAt: 0,
  lastBounceAt: Date.UTC(2026, 10, 27),
};
const routes = (to: readonly string[]) => [
  { route: { kind: 'smarthost' as const, name: 'default' }, recipients: [...to] },
];

describe('withMx', () => {
  const seen: string[][] = [];
  const inner: Plan = async (_m, body, pending) => {
    seen.push(pending.map((r) => r.address));
    return [
      {
        route: { kind: 'capture' },
        recipients: pending.map((r) => r.address),
        envelope: { from: 'x', to: [] },
        raw: body,
      },
    ];
  };
  const plan = withMx(inner, {
    suppressions: { get: (t, a) => (t === 't1' && a.toLowerCase() === 'gone@c.test' ? entry : undefined) },
    routes,
  });

  it('plans suppressed recipients on the suppressed route and the rest through the pipeline', async () => {
    const m = message('mail', ['ok@c.test', 'Gone@c.test']);
    const planned = await plan(m, Buffer.from('x'), m.recipients);
    expect(seen.at(-1)).toEqual(['ok@c.test']);
    expect(planned[1]).toMatchObject({
      route: { kind: 'suppressed', reply: suppressedReply(entry) },
      recipients: ['Gone@c.test'],
    });
    expect(suppressedReply(entry)).toMatchObject({ code: 550, enhanced: '5.1.1' });
    expect(replyLine(suppressedReply(entry))).toBe(
      '550 5.1.1 suppressed: gone@c.test bounced on 2026-11-27 (550 5.1.1 User unknown); ' +
        'remove it from the suppression list to send again',
    );
    const sent = await suppressedTransport.send({ from: '', to: ['Gone@c.test'] }, Buffer.alloc(0), planned[1]!.route);
    expect(sent.recipients).toEqual([
      { address: 'Gone@c.test', outcome: 'bounced', reply: suppressedReply(entry), nextHop: 'suppression list' },
    ]);
  });

  it('skips the pipeline when every recipient is suppressed, and sends forwarded replies as they are', async () => {
    const calls = seen.length;
    const m = message('mail', ['gone@c.test']);
    expect((await plan(m, Buffer.from('x'), m.recipients)).map((p) => p.route.kind)).toEqual(['suppressed']);
    expect(seen.length).toBe(calls);
    const reply = message('reply', ['office@acme.test']);
    expect(await plan(reply, Buffer.from('raw'), reply.recipients)).toEqual([
      {
        route: { kind: 'smarthost', name: 'default' },
        recipients: ['office@acme.test'],
        envelope: { from: reply.envelope.from, to: ['office@acme.test'] },
        raw: Buffer.from('raw'),
      },
    ]);
    expect(seen.length).toBe(calls);
  });
});
