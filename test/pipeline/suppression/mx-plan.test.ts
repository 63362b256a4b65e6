import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { QueuedMessage, RecipientState } from '../../../src/core/types.js';
import { createPipeline } from '../../../src/pipeline/index.js';
import {
  forwardedReplyPlanner,
  sentIndexStep,
  suppressedReply,
  suppressedTransport,
  suppressionStep,
} from '../../../src/pipeline/suppression/mx-plan.js';
import type { SuppressionEntry } from '../../../src/feedback/suppression-store.js';
import { NO_VERIFIED_DOMAINS } from '../../../src/tenants/ownership/sender-domains.js';
import { DEFAULT_SENDER_SETTINGS } from '../../../src/tenants/sender-settings.js';
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

describe('the MX steps registered with the pipeline', () => {
  // The stages' first read: counts the times the stages ran.
  let stagesRan = 0;
  const recorded: string[] = [];
  const plan = createPipeline(
    {
      platform: { sendingDomain: null, bounceDomain: null, bounceLocalPart: 'bounces' },
      routes,
      logger: pino({ level: 'silent' }),
      domains: NO_VERIFIED_DOMAINS,
      verpKey: Buffer.alloc(32),
      tenants: {
        byId: async () => {
          stagesRan++;
          return undefined;
        },
        bySmtpUsername: async () => undefined,
        byAllowedIp: async () => undefined,
      },
      settings: { get: () => DEFAULT_SENDER_SETTINGS },
      openSecret: () => '',
    },
    {
      recipients: [
        sentIndexStep({ record: (_t, messageId) => recorded.push(messageId) }),
        suppressionStep({ get: (t, a) => (t === 't1' && a.toLowerCase() === 'gone@c.test' ? entry : undefined) }),
      ],
      kinds: { reply: forwardedReplyPlanner({ routes }) },
    },
  );
  const rendered = async (m: QueuedMessage): Promise<string[]> => {
    const planned = await plan(m, Buffer.from('x'), m.recipients);
    return planned.filter((p) => p.route.kind !== 'suppressed').flatMap((p) => p.recipients);
  };

  it('plans suppressed recipients on the suppressed route and the rest through the pipeline', async () => {
    const m = message('mail', ['ok@c.test', 'Gone@c.test']);
    const planned = await plan(m, Buffer.from('x'), m.recipients);
    expect(await rendered(m)).toEqual(['ok@c.test']);
    expect(recorded.at(-1)).toBe('<m@x>');
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
    const calls = stagesRan;
    const m = message('mail', ['gone@c.test']);
    expect((await plan(m, Buffer.from('x'), m.recipients)).map((p) => p.route.kind)).toEqual(['suppressed']);
    expect(stagesRan).toBe(calls);
    const reply = message('reply', ['office@acme.test']);
    expect(await plan(reply, Buffer.from('raw'), reply.recipients)).toEqual([
      {
        route: { kind: 'smarthost', name: 'default' },
        recipients: ['office@acme.test'],
        envelope: { from: reply.envelope.from, to: ['office@acme.test'] },
        raw: Buffer.from('raw'),
      },
    ]);
    expect(stagesRan).toBe(calls);
  });
});
