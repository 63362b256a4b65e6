import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { QueuedMessage, RecipientResult, Transport } from '../../../src/core/types.js';
import { createDirectMxTransport, type MxResolver } from '../../../src/transports/smtp/direct-mx.js';
import { createTargetGuard } from '../../../src/transports/egress/target-guard.js';
import { createSmarthostTransport } from '../../../src/transports/smtp/smarthost.js';
import { MemoryQueue } from '../../helpers/memory-queue.js';
import { startSink, sinkReply, type Sink, type SinkOptions } from '../../helpers/sink.js';
import {
  dsnMessages,
  enqueueMail,
  planByDomain,
  silent,
  startDelivery,
  statusOf,
  type Harness,
  type HarnessOptions,
} from '../../helpers/delivery-harness.js';
import { expectNothingFor, waitFor } from '../../helpers/wait-for.js';
import { cleanupAfterEach } from '../../helpers/cleanups.js';

const cleanups = cleanupAfterEach();

async function sink(options: SinkOptions = {}): Promise<Sink> {
  return cleanups.closing(await startSink(options));
}

function smarthost(port: number, sendTimeoutMs = 2_000): Transport {
  const t = createSmarthostTransport(
    { host: '127.0.0.1', port, tls: 'none', rejectUnauthorized: true, maxConnections: 20 },
    { logger: silent, connectTimeoutMs: 1_000, sendTimeoutMs },
  );
  cleanups.push(() => t.close());
  return t;
}

function harness(transport: Transport, options: HarnessOptions = {}): Harness {
  const h = startDelivery(transport, options);
  cleanups.push(() => h.delivery.stop(1_000));
  return h;
}

/** Sink hook that holds each DATA for `ms` and records how many overlap (overall and per key). */
function overlapMeter(ms: number, keyOf: (rcpt: string) => string = () => 'all') {
  const now = new Map<string, number>();
  const max = new Map<string, number>();
  const onData = async (_raw: Buffer, session: { envelope: { rcptTo: Array<{ address: string }> } }) => {
    const keys = ['*', keyOf(session.envelope.rcptTo[0]?.address ?? '')];
    for (const k of keys) {
      now.set(k, (now.get(k) ?? 0) + 1);
      max.set(k, Math.max(max.get(k) ?? 0, now.get(k)!));
    }
    await new Promise((resolve) => setTimeout(resolve, ms));
    for (const k of keys) now.set(k, now.get(k)! - 1);
  };
  return { onData, max: (key = '*') => max.get(key) ?? 0 };
}

async function enqueueMany(queue: MemoryQueue, count: number, to: (i: number) => string): Promise<QueuedMessage[]> {
  const out: QueuedMessage[] = [];
  for (let i = 0; i < count; i++) out.push(await enqueueMail(queue, 'billing@sender.test', [to(i)]));
  return out;
}

const allDelivered = (queue: MemoryQueue) => () =>
  [...queue.messages.values()].every((m) => m.completedAt !== undefined);

describe('delivery scheduler', () => {
  it('never runs more than concurrencyPerDestination sends to one destination', async () => {
    const meter = overlapMeter(40);
    const s = await sink({ onData: meter.onData });
    const h = harness(smarthost(s.port), { concurrencyPerDestination: 2 });
    await enqueueMany(h.queue, 8, (i) => `r${i}@dest.test`);
    h.delivery.notify();
    await waitFor(allDelivered(h.queue), 5_000, 'all delivered');
    expect(s.messages).toHaveLength(8);
    expect(meter.max()).toBe(2);
  });

  it('counts the limit per destination: two domains run side by side, each one at a time', async () => {
    const meter = overlapMeter(40, (rcpt) => rcpt.split('@')[1] ?? '');
    const s = await sink({ onData: meter.onData });
    const resolver: MxResolver = {
      resolveMx: async (domain) => [{ exchange: `mx.${domain}`, priority: 0 }],
      resolve4: async () => ['127.0.0.1'],
      resolve6: async () => [],
    };
    const direct = createDirectMxTransport({
      port: s.port,
      resolver,
      heloName: 'postbode.test',
      logger: silent,
      connectTimeoutMs: 1_000,
      sendTimeoutMs: 2_000,
      guard: createTargetGuard({ allow: ['127.0.0.0/8'], resolver }),
    });
    const h = harness(direct, { concurrencyPerDestination: 1, plan: planByDomain() });
    await enqueueMany(h.queue, 6, (i) => `r${i}@${i % 2 === 0 ? 'one.test' : 'two.test'}`);
    h.delivery.notify();
    await waitFor(allDelivered(h.queue), 5_000, 'all delivered');
    expect(meter.max('one.test')).toBe(1);
    expect(meter.max('two.test')).toBe(1);
    expect(meter.max()).toBe(2);
  });

  it('keeps at most activeWindow messages in flight', async () => {
    const meter = overlapMeter(40);
    const s = await sink({ onData: meter.onData });
    const h = harness(smarthost(s.port), { activeWindow: 3, concurrencyPerDestination: 10 });
    await enqueueMany(h.queue, 9, (i) => `r${i}@dest.test`);
    let maxInFlight = 0;
    h.delivery.notify();
    await waitFor(
      () => {
        maxInFlight = Math.max(maxInFlight, h.delivery.inFlight());
        return allDelivered(h.queue)();
      },
      5_000,
      'all delivered',
    );
    expect(s.messages).toHaveLength(9);
    expect(maxInFlight).toBe(3);
    expect(meter.max()).toBe(3);
  });

  it('coalesces many notify() calls in one turn into one scan', async () => {
    class CountingQueue extends MemoryQueue {
      scans = 0;
      override dueTenants(): string[] {
        this.scans++; // once per scan: the scheduler asks which tenants have mail first
        return super.dueTenants();
      }
    }
    const queue = new CountingQueue(100);
    const s = await sink({ onData: overlapMeter(30).onData });
    const h = harness(smarthost(s.port), { memoryQueue: queue });
    await new Promise((resolve) => setImmediate(resolve));
    const before = queue.scans;
    await enqueueMany(queue, 5, (i) => `r${i}@dest.test`);
    for (let i = 0; i < 20; i++) h.delivery.notify();
    await new Promise((resolve) => setImmediate(resolve));
    expect(queue.scans).toBe(before + 1);
    expect(h.delivery.inFlight()).toBe(5);
    await waitFor(allDelivered(queue), 5_000, 'all delivered');
  });

  it('wakes up for a deferred recipient when it is due, well before the poll interval', async () => {
    let refusals = 1;
    const s = await sink({
      onRcpt: () => {
        if (refusals-- > 0) throw sinkReply(451, '4.7.1 Greylisted');
      },
    });
    const h = harness(smarthost(s.port), { pollMs: 10_000, retryDelayMs: 100 });
    const message = await enqueueMail(h.queue, 'billing@sender.test', ['a@dest.test']);
    h.delivery.notify();
    await waitFor(() => statusOf(h.queue, message.id, 'a@dest.test')?.status === 'delivered', 3_000, 'the retry');
    const [first, second] = statusOf(h.queue, message.id, 'a@dest.test')!.history;
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(100);
    expect(second!.at - first!.at).toBeLessThan(1_000);
  });

  it('stop() waits for the message in flight, then takes no new work', async () => {
    const s = await sink({ onData: () => new Promise((resolve) => setTimeout(resolve, 300)) });
    const h = harness(smarthost(s.port));
    const first = await enqueueMail(h.queue, 'billing@sender.test', ['a@dest.test']);
    h.delivery.notify();
    await waitFor(() => h.delivery.inFlight() === 1, 2_000, 'in flight');
    const started = Date.now();
    await h.delivery.stop(5_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(statusOf(h.queue, first.id, 'a@dest.test')?.status).toBe('delivered');
    expect(h.delivery.inFlight()).toBe(0);

    const later = await enqueueMail(h.queue, 'billing@sender.test', ['b@dest.test']);
    h.delivery.notify();
    await expectNothingFor(
      100,
      () => statusOf(h.queue, later.id, 'b@dest.test')?.status === 'queued',
      'no send after stop',
    );
    expect(statusOf(h.queue, later.id, 'b@dest.test')?.status).toBe('queued');
    expect(s.messages).toHaveLength(1);
  });

  it('stop() gives up after the grace period when a send hangs, leaving the message queued', async () => {
    const s = await sink({ onData: () => new Promise(() => undefined) });
    const h = harness(smarthost(s.port, 10_000));
    const message = await enqueueMail(h.queue, 'billing@sender.test', ['a@dest.test']);
    h.delivery.notify();
    await waitFor(() => h.delivery.inFlight() === 1, 2_000, 'in flight');
    const started = Date.now();
    await h.delivery.stop(100);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(statusOf(h.queue, message.id, 'a@dest.test')?.status).toBe('queued');
    await s.close(); // ends the hung send, so that the clean-up does not wait for it
  });

  it('defers with 451 4.3.0 and logs an error when the body is missing', async () => {
    const lines: string[] = [];
    const logger = pino(
      { level: 'error' },
      {
        write: (line: string) => {
          lines.push(line);
        },
      },
    );
    const s = await sink();
    const h = harness(smarthost(s.port), { logger });
    const message = await enqueueMail(h.queue, 'billing@sender.test', ['a@dest.test']);
    h.queue.bodies.delete(message.id);
    h.delivery.notify();
    await waitFor(() => statusOf(h.queue, message.id, 'a@dest.test')?.status === 'deferred', 2_000, 'deferral');
    expect(statusOf(h.queue, message.id, 'a@dest.test')!.lastReply).toBe('451 4.3.0 body missing');
    expect(lines.some((l) => l.includes(message.id) && l.includes('"level":50'))).toBe(true);
    expect(s.messages).toHaveLength(0);
  });

  it('defers instead of crashing when no transport serves the route', async () => {
    const s = await sink();
    const h = harness(smarthost(s.port), {
      transportFor: () => {
        throw new Error('no transport configured for route direct');
      },
    });
    const message = await enqueueMail(h.queue, 'billing@sender.test', ['a@dest.test']);
    h.delivery.notify();
    await waitFor(() => statusOf(h.queue, message.id, 'a@dest.test')?.status === 'deferred', 2_000, 'deferral');
    expect(statusOf(h.queue, message.id, 'a@dest.test')!.lastReply).toMatch(/^451 4\.3\.0 .*no transport configured/);
  });

  it('returns expired recipients to the sender with Status 4.4.7 and counts them as expired', async () => {
    /** A queue whose retry policy gives up at once: every deferral becomes an expiry. */
    class ExpiringQueue extends MemoryQueue {
      override async record(id: string, results: readonly RecipientResult[], now: number): Promise<QueuedMessage> {
        await super.record(id, results, now);
        const deferred = results.filter((r) => r.outcome === 'deferred').map((r) => r.address);
        return this.expire(id, deferred, now, 'delivery time expired (message too old)');
      }
    }
    let dsnSeen = false;
    const s = await sink({
      onRcpt: (address) => {
        if (address === 'slow@dest.test') throw sinkReply(451, '4.4.1 Try later');
      },
      onData: (raw) => {
        dsnSeen ||= raw.includes('Status: 4.4.7');
      },
    });
    const h = harness(smarthost(s.port), { memoryQueue: new ExpiringQueue(100) });
    const message = await enqueueMail(h.queue, 'billing@sender.test', ['slow@dest.test']);
    h.delivery.notify();
    await waitFor(() => dsnSeen, 3_000, 'the DSN at the sink');
    expect(statusOf(h.queue, message.id, 'slow@dest.test')?.status).toBe('expired');
    expect(h.metrics.counts.expired).toBe(1);
    expect(h.metrics.counts.deferred).toBeUndefined();
    const dsnRaw = s.messages.find((m) => m.envelope.from === '')!.raw.toString();
    expect(dsnRaw).toContain('Diagnostic-Code: smtp; 451 4.4.1 Try later');
  });

  it('never answers a DSN with a DSN, even when it has a sender', async () => {
    const s = await sink({
      onRcpt: () => {
        throw sinkReply(550, '5.1.1 No such user');
      },
    });
    const h = harness(smarthost(s.port));
    const message = await enqueueMail(h.queue, 'postmaster@sender.test', ['gone@dest.test'], undefined, 'dsn');
    h.delivery.notify();
    await waitFor(() => statusOf(h.queue, message.id, 'gone@dest.test')?.status === 'bounced', 2_000, 'bounce');
    await expectNothingFor(50, () => dsnMessages(h.queue).length === 1, 'no DSN about a DSN');
    expect(dsnMessages(h.queue)).toHaveLength(1); // only the message itself
  });
});
