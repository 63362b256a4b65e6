import { makeTenant } from '../../helpers/inbound-harness.js';
import { storageAt } from '../../helpers/temp-storage.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PlanEffects } from '../../../src/core/effects.js';
import { newQueueId } from '../../../src/core/ids.js';
import { noMetrics } from '../../../src/core/metrics.js';
import type { QueuedMessage, Tenant } from '../../../src/core/types.js';
import { createDelivery, type Delivery } from '../../../src/delivery/scheduler.js';
import { contentSettingsSchema } from '../../../src/pipeline/content/content-settings.js';
import { accountantCopyId } from '../../../src/pipeline/copies/sender-accountant.js';
import { createPipeline } from '../../../src/pipeline/index.js';
import { platformRoutes } from '../../../src/pipeline/routing.js';
import { openQueue, type LmdbQueue } from '../../../src/queue/lmdb-queue.js';
import { NO_VERIFIED_DOMAINS } from '../../../src/tenants/ownership/sender-domains.js';
import { DEFAULT_SENDER_SETTINGS } from '../../../src/tenants/sender-settings.js';
import { createSmarthostTransport } from '../../../src/transports/smtp/smarthost.js';
import { sinkReply, startSink, type Sink } from '../../helpers/sink.js';
import { waitFor } from '../../helpers/wait-for.js';

/**
 * The pipeline's effects (the accountant's copy, the content annotation) are written once, in
 * one queue transaction after the last stage. When that write fails the message still goes
 * out, nothing of it is written, and the next attempt renders again and writes both, the copy
 * exactly once. Real LMDB queue, scheduler, SMTP client and sink; `late@` is deferred once so
 * that there is a next attempt.
 */
const logger = pino({ level: 'silent' });
const ACCOUNTANT = 'acct@books.test';
const tenant: Tenant = makeTenant({ id: 'T1', name: 'Acme', smtpUsername: 'acme', smtpPasswordHash: '' });
const invoice = Buffer.from(
  [
    'From: billing@acme.test',
    'To: jan@x.test',
    'Subject: Factuur 2024-0012',
    'Message-ID: <inv-12@acme.test>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b"',
    '',
    '--b',
    'Content-Type: text/plain',
    '',
    'Factuur 2024-0012, te betalen binnen 14 dagen.',
    '--b',
    'Content-Type: application/pdf; name="factuur.pdf"',
    'Content-Disposition: attachment; filename="factuur.pdf"',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from('%PDF-1.4 test').toString('base64'),
    '--b--',
    '',
  ].join('\r\n'),
);

let dir: string;
let queue: LmdbQueue;
let sink: Sink;
let delivery: Delivery | undefined;
const closing: Array<() => Promise<void>> = [];
/** Every effects write the pipeline asked for; the first `failing` of them throw. */
let writes: PlanEffects[];
let failing: number;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'postbode-effects-once-'));
  queue = openQueue({
    storage: storageAt(dir),
    retry: { initialDelayMs: 1_000, maxDelayMs: 2_000, maxAgeMs: 60_000, jitter: 0 },
    logger,
  });
  const deferred = new Set<string>();
  sink = await startSink({
    onData: async (_raw, session) => {
      const to = session.envelope.rcptTo.map((r) => r.address);
      if (!to.includes('late@x.test') || deferred.has('late')) return;
      deferred.add('late');
      throw sinkReply(451, '4.3.2 try again later');
    },
  });
  writes = [];
  failing = 0;
});
afterEach(async () => {
  await delivery?.stop(1_000);
  for (const close of closing.splice(0)) await close();
  await queue.close();
  await sink.close();
  await rm(dir, { recursive: true, force: true });
});

function start(): void {
  const transport = createSmarthostTransport(
    { host: '127.0.0.1', port: sink.port, tls: 'none', rejectUnauthorized: true, maxConnections: 2 },
    { logger, connectTimeoutMs: 1_000, sendTimeoutMs: 5_000 },
  );
  closing.push(() => transport.close());
  const content = {
    get: () => ({ enabled: true, settings: contentSettingsSchema.parse({}), updatedAt: 1 }),
  };
  const plan = createPipeline(
    {
      platform: { sendingDomain: 'send.test', bounceDomain: null, bounceLocalPart: 'bounces' },
      routes: platformRoutes('smarthost'),
      tenants: { byId: async () => tenant, bySmtpUsername: async () => undefined, byAllowedIp: async () => undefined },
      settings: {
        get: () => ({ ...DEFAULT_SENDER_SETTINGS, accountantMode: 'automatic', accountantAddress: ACCOUNTANT }),
      },
      domains: NO_VERIFIED_DOMAINS,
      verpKey: Buffer.alloc(32, 7),
      openSecret: () => '',
      accountant: { queue, hostname: 'gw.test', clock: Date.now },
      effects: {
        writeEffects: async (effects) => {
          writes.push(effects);
          if (writes.length <= failing) throw new Error('simulated failure of the effects write');
          return queue.writeEffects(effects);
        },
      },
      logger,
      content: { store: content, logger, clock: Date.now },
    },
    { rendered: queue },
  );
  delivery = createDelivery({
    queue,
    plan,
    rendered: queue,
    transportFor: () => transport,
    metrics: noMetrics,
    logger,
    clock: Date.now,
    activeWindow: 10,
    concurrencyPerDestination: 2,
    hostname: 'gw.test',
    bounceFrom: 'MAILER-DAEMON',
    pollMs: 50,
  });
  delivery.start();
}

async function send(to: string[]): Promise<QueuedMessage> {
  const now = Date.now();
  const message = await queue.enqueue(
    {
      id: newQueueId(now),
      tenantId: 'T1',
      kind: 'mail',
      envelope: { from: 'billing@acme.test', to },
      receivedAt: now,
      client: { address: '127.0.0.1', helo: 'client.test' },
      messageId: '<inv-12@acme.test>',
    },
    invoice,
  );
  delivery?.notify();
  return message;
}

const statuses = (id: string): string[] => queue.get(id)?.recipients.map((r) => `${r.address}:${r.status}`) ?? [];
const atSink = (address: string): number => sink.messages.filter((m) => m.envelope.to.includes(address)).length;

describe('effects in one transaction', () => {
  it('writes the accountant copy and the annotation together after the first attempt', async () => {
    start();
    const message = await send(['jan@x.test']);
    await waitFor(() => atSink(ACCOUNTANT) === 1, 8_000, 'the accountant copy at the sink');
    expect(writes).toHaveLength(1);
    expect(writes[0]?.copies.map((c) => c.message.id)).toEqual([accountantCopyId(message.id)]);
    expect(queue.annotation<{ documentType: string }>(message.id)?.documentType).toBe('invoice');
    expect(queue.get(accountantCopyId(message.id))?.recipients.map((r) => [r.address, r.role])).toEqual([
      [ACCOUNTANT, 'accountant'],
    ]);
  });

  it('a failed write leaves neither; the message goes out, the next attempt writes both, the copy once', async () => {
    failing = 1;
    start();
    const message = await send(['jan@x.test', 'late@x.test']);
    const recorded = 'jan@x.test:delivered,late@x.test:deferred';
    await waitFor(() => statuses(message.id).join() === recorded, 8_000, 'the first attempt recorded');
    expect(writes).toHaveLength(1);
    expect(queue.get(accountantCopyId(message.id))).toBeUndefined();
    expect(queue.annotation(message.id)).toBeUndefined();
    // Nothing of that rendering is kept: the retry renders again, so its effects are written then.
    expect(queue.rendered(message.id)).toBeUndefined();

    await waitFor(() => atSink(ACCOUNTANT) === 1 && atSink('late@x.test') === 1, 8_000, 'the retry and the copy');
    await waitFor(() => queue.depth().messages === 0, 8_000, 'everything delivered');
    expect(writes).toHaveLength(2);
    expect(atSink(ACCOUNTANT)).toBe(1);
    expect(atSink('jan@x.test')).toBe(1);
    expect(queue.annotation<{ documentType: string }>(message.id)?.documentType).toBe('invoice');
  });
});
