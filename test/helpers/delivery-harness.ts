import { pino } from 'pino';
import { newQueueId } from '../../src/core/ids.js';
import type { Metrics } from '../../src/core/metrics.js';
import type { QueuedMessage, RecipientState, Route, Transport } from '../../src/core/types.js';
import { createDelivery, type Delivery, type DeliveryDeps } from '../../src/delivery/scheduler.js';
import { MemoryQueue } from './memory-queue.js';

/** Shared set-up for the delivery integration tests (scheduler + real transport + sink). */
export const silent = pino({ level: 'silent' });

export function mailBody(subject = 'Invoice 42', extra = ''): Buffer {
  return Buffer.from(
    [
      'From: Billing <billing@sender.test>',
      'To: customer@dest.test',
      `Subject: ${subject}`,
      'Message-ID: <orig-1@sender.test>',
      'Date: Mon, 02 Mar 2026 10:00:00 +0000',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Dear customer,',
      '.a line starting with a dot',
      extra,
      'Regards',
      '',
    ].join('\r\n'),
  );
}

export async function enqueueMail(
  queue: MemoryQueue,
  from: string,
  to: string[],
  body = mailBody(),
  kind: 'mail' | 'dsn' = 'mail',
): Promise<QueuedMessage> {
  const now = Date.now();
  return queue.enqueue(
    {
      id: newQueueId(now),
      tenantId: 'tenant-1',
      kind,
      envelope: { from, to },
      receivedAt: now,
      client: { address: '127.0.0.1', helo: 'client.test' },
      messageId: '<orig-1@sender.test>',
      subject: 'Invoice 42',
    },
    body,
  );
}

export interface CountingMetrics extends Metrics {
  readonly counts: Record<string, number>;
}

export function countingMetrics(): CountingMetrics {
  const counts: Record<string, number> = {};
  return {
    counts,
    accepted: () => undefined,
    rejected: () => undefined,
    delivery: (outcome, count) => {
      counts[outcome] = (counts[outcome] ?? 0) + count;
    },
  };
}

/** Everything to the given route (one delivery per message), the stored bytes and envelope sender as they are. */
export function planAll(route: Route): DeliveryDeps['plan'] {
  return async (message, body, pending: readonly RecipientState[]) => {
    const recipients = pending.map((r) => r.address);
    return [{ route, recipients, envelope: { from: message.envelope.from, to: recipients }, raw: body }];
  };
}

/** Groups by recipient domain onto direct routes, like main's planner in direct mode. */
export function planByDomain(): DeliveryDeps['plan'] {
  return async (message, body, pending) => {
    const byDomain = new Map<string, string[]>();
    for (const r of pending) {
      const domain = r.address.slice(r.address.lastIndexOf('@') + 1);
      byDomain.set(domain, [...(byDomain.get(domain) ?? []), r.address]);
    }
    return [...byDomain].map(([domain, recipients]) => ({
      route: { kind: 'direct' as const, domain },
      recipients,
      envelope: { from: message.envelope.from, to: recipients },
      raw: body,
    }));
  };
}

export interface Harness {
  readonly queue: MemoryQueue;
  readonly delivery: Delivery;
  readonly metrics: CountingMetrics;
}

export interface HarnessOptions extends Partial<Omit<DeliveryDeps, 'queue'>> {
  readonly retryDelayMs?: number;
  /** A MemoryQueue (subclass) to use instead of a fresh one. */
  readonly memoryQueue?: MemoryQueue;
}

export function startDelivery(transport: Transport, options: HarnessOptions = {}): Harness {
  const { retryDelayMs, memoryQueue, ...overrides } = options;
  const queue = memoryQueue ?? new MemoryQueue(retryDelayMs ?? 100);
  const metrics = countingMetrics();
  const delivery = createDelivery({
    queue,
    plan: planAll({ kind: 'smarthost', name: 'default' }),
    transportFor: () => transport,
    metrics,
    logger: silent,
    clock: Date.now,
    activeWindow: 50,
    concurrencyPerDestination: 10,
    hostname: 'postbode.test',
    bounceFrom: 'MAILER-DAEMON',
    pollMs: 1_000,
    ...overrides,
  });
  delivery.start();
  return { queue, delivery, metrics };
}

export function statusOf(queue: MemoryQueue, id: string, address: string): RecipientState | undefined {
  return queue.get(id)?.recipients.find((r) => r.address === address);
}

export function dsnMessages(queue: MemoryQueue): QueuedMessage[] {
  return [...queue.messages.values()].filter((m) => m.kind === 'dsn');
}
