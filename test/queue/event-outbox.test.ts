import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GatewayEvent } from '../../src/core/events.js';
import { newQueueId } from '../../src/core/ids.js';
import { smtpReply } from '../../src/core/smtp-reply.js';
import { feedbackEvents } from '../../src/feedback/feedback-events.js';
import { openOpenStore, type OpenStore } from '../../src/feedback/opens/open-store.js';
import { openEventOutbox } from '../../src/queue/event-outbox.js';
import { openQueue, type LmdbQueue } from '../../src/queue/lmdb-queue.js';
import type { Storage } from '../../src/store/storage.js';
import { storageAt } from '../helpers/temp-storage.js';

const HUMAN_UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)';
const reply = (code: number, text: string) => smtpReply(code, `${Math.floor(code / 100)}.0.0`, text);

/**
 * The queue's outbox on a real LMDB queue: which state changes become which events, only for
 * tenants whose endpoints want them, nothing for a refused admin action, and the opens store's
 * event for a person's first open only.
 */
describe('event outbox', () => {
  let dir: string;
  let storage: Storage;
  let queue: LmdbQueue;
  let opens: OpenStore;
  const wanted = new Set(['tenant-a']);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'postbode-outbox-'));
    storage = storageAt(dir);
    const retry = { initialDelayMs: 1000, maxDelayMs: 10_000, maxAgeMs: 86_400_000, jitter: 0 };
    const events = (tenantId: string) => wanted.has(tenantId);
    queue = openQueue({ storage, retry, logger: pino({ level: 'silent' }), events });
    opens = openOpenStore(storage, { events: feedbackEvents(queue.outbox), message: (id) => queue.get(id) });
  });
  afterEach(async () => {
    await opens.close();
    await queue.close();
    await rm(dir, { recursive: true, force: true });
  });

  const outbox = (): GatewayEvent[] => {
    const { db } = openEventOutbox(storage);
    return [...db.getRange()].map((e) => e.value);
  };
  const types = () => outbox().map((e) => `${e.type}${e.data.recipient ? ` ${e.data.recipient}` : ''}`);

  async function enqueue(tenantId: string, to: string[]) {
    const id = newQueueId();
    const message = {
      id,
      tenantId,
      kind: 'mail' as const,
      envelope: { from: 'billing@acme.test', to },
      receivedAt: Date.now(),
      client: { address: '127.0.0.1', helo: 'test' },
      messageId: `<${id}@acme.test>`,
      subject: 'Factuur 7',
    };
    return queue.enqueue(message, Buffer.from('Subject: Factuur 7\r\n\r\nx\r\n'));
  }

  it('writes accepted, delivered, deferred and bounced with the change, for wanted tenants only', async () => {
    const msg = await enqueue('tenant-a', ['a@x.test', 'b@x.test', 'c@x.test']);
    await enqueue('tenant-b', ['z@x.test']);
    const now = Date.now();
    await queue.record(
      msg.id,
      [
        { address: 'a@x.test', outcome: 'delivered', reply: reply(250, 'ok') },
        { address: 'b@x.test', outcome: 'deferred', reply: reply(451, 'later') },
        { address: 'c@x.test', outcome: 'bounced', reply: reply(550, 'no such user') },
      ],
      now,
    );
    expect(types().sort()).toEqual([
      'message.accepted',
      'message.bounced c@x.test',
      'message.deferred b@x.test',
      'message.delivered a@x.test',
    ]);
    const deferred = outbox().find((e) => e.type === 'message.deferred')!;
    expect(deferred.data).toMatchObject({
      queueId: msg.id,
      attempts: 1,
      nextAttemptAt: new Date(now + 1000).toISOString(),
    });
    expect(outbox().find((e) => e.type === 'message.bounced')?.data.bounceKind).toBe('rejected');
    expect(outbox().every((e) => e.tenantId === 'tenant-a')).toBe(true);
  });

  it('writes one held, released and cancelled event per action, and nothing for a refused one', async () => {
    const msg = await enqueue('tenant-a', ['a@x.test', 'b@x.test']);
    await queue.hold(msg.id, Date.now(), 'review first');
    await expect(queue.hold(msg.id, Date.now())).rejects.toMatchObject({ code: 'E_CONFLICT' });
    await queue.release(msg.id, Date.now());
    await queue.cancel(msg.id, Date.now(), 'client asked');
    const actions = outbox().filter((e) => e.type !== 'message.accepted');
    expect(actions.map((e) => [e.type, e.data.recipients, e.data.reply])).toEqual([
      ['message.held', ['a@x.test', 'b@x.test'], 'review first'],
      ['message.released', ['a@x.test', 'b@x.test'], 'released by an administrator'],
      ['message.cancelled', ['a@x.test', 'b@x.test'], 'client asked'],
    ]);
  });

  it('a late bounce after delivery is a bounced event of kind late', async () => {
    const msg = await enqueue('tenant-a', ['a@x.test']);
    await queue.record(msg.id, [{ address: 'a@x.test', outcome: 'delivered', reply: reply(250, 'ok') }], Date.now());
    await queue.lateBounce(msg.id, 'A@x.test', '550 5.1.1 mailbox gone', Date.now());
    const late = outbox().filter((e) => e.type === 'message.bounced');
    expect(late.map((e) => [e.data.recipient, e.data.bounceKind, e.data.reply])).toEqual([
      ['a@x.test', 'late', '550 5.1.1 mailbox gone'],
    ]);
  });

  it('writes message.opened for the first open by a person, never for a machine’s', async () => {
    const msg = await enqueue('tenant-a', ['a@x.test']);
    const deliveredAt = Date.now() - 3600_000;
    const open = (userAgent: string, openedAt: number) =>
      opens.record({ messageId: msg.id, recipient: 'a@x.test', userAgent, openedAt, deliveredAt });
    await open('curl/8.5.0', Date.now());
    expect(types()).toEqual(['message.accepted']);
    await open(HUMAN_UA, Date.now());
    await open(HUMAN_UA, Date.now() + 1000);
    expect(types()).toEqual(['message.accepted', 'message.opened a@x.test']);
    expect(outbox()[1]?.data).toMatchObject({ queueId: msg.id, recipient: 'a@x.test', role: 'client' });
  });
});
