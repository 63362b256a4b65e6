import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newQueueId } from '../../../src/core/ids.js';
import { startGateway, type Gateway } from '../../../src/gateway.js';
import { openQueue } from '../../../src/queue/lmdb-queue.js';
import { openTenantStore } from '../../../src/tenants/lmdb-tenant-store.js';
import { addTenant } from '../../../src/tenants/tenant-service.js';
import { testConfig } from '../../helpers/gateway-harness.js';
import { waitFor } from '../../helpers/wait-for.js';
import { startSink, type Sink } from '../../helpers/sink.js';
import { storageAt } from '../../helpers/temp-storage.js';

const silent = pino({ level: 'silent' });
const BACKLOG = 5_000;
const SLOW_MS = 1_000;

function invoice(n: number): Buffer {
  return Buffer.from(
    `From: billing@bulk.test\r\nTo: c${n}@customer.test\r\nSubject: Newsletter ${n}\r\n` +
      `Message-ID: <bulk-${n}@bulk.test>\r\n\r\nHello\r\n`,
  );
}

/**
 * Tenant "Bulk" has 5,000 messages queued for a receiving server that takes a second per
 * message; tenant "Invoice" then sends one invoice over SMTP. Before fair shares the invoice
 * waited behind the whole backlog (minutes); now it gets the next free slot of the window and
 * of the destination.
 */
describe("fair delivery: one tenant's backlog does not crowd out another tenant", () => {
  let sink: Sink;
  let gateway: Gateway;
  let dataDir: string;
  let invoiceUser: { user: string; pass: string };
  let bulkId: string;

  beforeAll(async () => {
    sink = await startSink({ onData: () => new Promise((resolve) => setTimeout(resolve, SLOW_MS)) });
    dataDir = await mkdtemp(join(tmpdir(), 'postbode-fair-'));
    const config = testConfig(dataDir, sink.port, {
      delivery: {
        mode: 'smarthost',
        smarthost: { host: '127.0.0.1', port: sink.port, tls: 'none', maxConnections: 10 },
        concurrencyPerDestination: 10,
        connectTimeoutMs: 2000,
        sendTimeoutMs: 5000,
      },
      // A plain relay (no platform domain, any From): this test is about slots, not sender ownership.
      smtp: { requireVerifiedSender: false },
    });
    const tenants = openTenantStore(storageAt(dataDir));
    bulkId = (await addTenant(tenants, { name: 'Bulk Mailer BV' })).tenant.id;
    const invoicer = await addTenant(tenants, { name: 'Invoice BV' });
    invoiceUser = { user: invoicer.tenant.smtpUsername, pass: invoicer.password };
    await tenants.close();
    const queue = openQueue({ storage: storageAt(dataDir), retry: config.queue.retry, logger: silent });
    const now = Date.now();
    await Promise.all(
      Array.from({ length: BACKLOG }, (_, n) =>
        queue.enqueue(
          {
            id: newQueueId(now),
            tenantId: bulkId,
            kind: 'mail',
            envelope: { from: 'billing@bulk.test', to: [`c${n}@customer.test`] },
            receivedAt: now,
            client: { address: '127.0.0.1', helo: 'bulk.test' },
            messageId: `<bulk-${n}@bulk.test>`,
          },
          invoice(n),
        ),
      ),
    );
    await queue.close();
    gateway = await startGateway(config, silent, Date.now);
  }, 20_000);

  afterAll(async () => {
    await gateway?.stop(500);
    await sink?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("delivers the other tenant's single invoice within a few seconds while the backlog drains", async () => {
    await waitFor(() => (sink.messages.length > 0 ? true : undefined), 10_000, 'the backlog to start');
    const client = createTransport({
      host: '127.0.0.1',
      port: gateway.smtpPort,
      requireTLS: true,
      tls: { rejectUnauthorized: false },
      auth: invoiceUser,
    });
    const sent = Date.now();
    const info = await client.sendMail({
      from: 'facturen@invoice.test',
      to: 'klant@customer.test',
      subject: 'Factuur 2026-001',
      text: 'Factuur',
    });
    const arrived = await waitFor(
      () => sink.messages.find((m) => m.envelope.to.includes('klant@customer.test')),
      8_000,
      'the invoice',
    );
    const latency = Date.now() - sent;
    console.log(
      `invoice delivered ${latency} ms after sending, ` +
        `behind ${BACKLOG - sink.messages.length + 1} queued bulk messages (${info.messageId})`,
    );
    expect(arrived.envelope.from).toBe('facturen@invoice.test');
    expect(latency).toBeLessThan(5_000);
    // the bulk tenant kept most of the slots meanwhile, and most of its backlog is still queued
    const bulkDelivered = sink.messages.filter((m) => m.envelope.from === 'billing@bulk.test').length;
    expect(bulkDelivered).toBeGreaterThan(0);
    expect(bulkDelivered).toBeLessThan(BACKLOG / 10);
  }, 20_000);
});
