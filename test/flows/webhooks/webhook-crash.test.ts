import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTenantStore } from '../../../src/tenants/lmdb-tenant-store.js';
import { addTenant } from '../../../src/tenants/tenant-service.js';
import { spawnGateway, type GatewayProcess } from '../../helpers/gateway-process.js';
import { processEnv } from '../../helpers/process-env.js';
import { startSink, type Sink } from '../../helpers/sink.js';
import { storageAt } from '../../helpers/temp-storage.js';
import { waitFor } from '../../helpers/wait-for.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../helpers/webhook-receiver.js';
import { ADMIN } from './webhook-helpers.js';

/**
 * The outbox's promise: an event is written with its state change, so a gateway killed with
 * SIGKILL while its receiver is failing (every event still undelivered, mail still in flight)
 * sends every event after the restart. The receiver checks each by its signature and counts
 * them by webhook-id.
 */
describe('webhook events across kill -9', () => {
  let dataDir: string;
  let sink: Sink;
  let receiver: WebhookReceiver;
  let tenant: { id: string; user: string; pass: string };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'postbode-webhook-crash-'));
    sink = await startSink();
    receiver = await startWebhookReceiver();
    const store = openTenantStore(storageAt(dataDir));
    const made = await addTenant(store, { name: 'Webhook Crash BV' });
    await store.close();
    tenant = { id: made.tenant.id, user: made.tenant.smtpUsername, pass: made.password };
  });
  afterAll(async () => {
    await Promise.all([sink?.close(), receiver?.close()]);
    await rm(dataDir, { recursive: true, force: true });
  });

  const env = () => ({
    ...processEnv(dataDir, 'crash.postbode.test'),
    POSTBODE_ADMIN_TOKEN: ADMIN,
    POSTBODE_SECRET_KEY: 'ef'.repeat(32),
    POSTBODE_DELIVERY__MODE: 'smarthost',
    POSTBODE_DELIVERY__SMARTHOST__HOST: '127.0.0.1',
    POSTBODE_DELIVERY__SMARTHOST__PORT: String(sink.port),
    POSTBODE_DELIVERY__SMARTHOST__TLS: 'none',
    POSTBODE_DELIVERY__ALLOW_PRIVATE_TARGETS: '["127.0.0.0/8"]',
    POSTBODE_WEBHOOKS__ALLOW_HTTP: 'true',
    POSTBODE_WEBHOOKS__POLL_MS: '50',
    POSTBODE_WEBHOOKS__INITIAL_DELAY_MS: '100',
    POSTBODE_WEBHOOKS__MAX_DELAY_MS: '300',
  });

  it('delivers the accepted and delivered event of every acknowledged message after a SIGKILL', async () => {
    receiver.mode = 'fail';
    const first: GatewayProcess = await spawnGateway(env());
    const made = await fetch(`http://127.0.0.1:${first.httpPort}/api/v1/tenants/${tenant.id}/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: receiver.url, events: ['message.accepted', 'message.delivered'] }),
    });
    expect(made.status).toBe(201);
    receiver.secret = ((await made.json()) as { secret: string }).secret;

    const client = createTransport({
      host: '127.0.0.1',
      port: first.smtpPort,
      pool: true,
      maxConnections: 4,
      requireTLS: true,
      tls: { rejectUnauthorized: false },
      auth: { user: tenant.user, pass: tenant.pass },
    });
    const acked = new Set<string>();
    let killed = false;
    const sends = Array.from({ length: 40 }, (_, seq) =>
      client
        .sendMail({ from: 'billing@acme.test', to: `client${seq}@customer.test`, subject: `Factuur ${seq}`, text: 'x' })
        .then(
          (info) => {
            const id = /queued as (\S+)/.exec(info.response)?.[1];
            if (id) acked.add(id);
            // Killed with mail in flight and every event so far refused by the receiver.
            if (acked.size >= 15 && sink.messages.length >= 5 && !killed) {
              killed = true;
              first.child.kill('SIGKILL');
            }
          },
          () => undefined,
        ),
    );
    await Promise.all(sends);
    client.close();
    await first.exited();
    expect(killed).toBe(true);
    expect(receiver.received.length).toBeGreaterThan(0); // it was tried, and refused
    expect(receiver.received.every((r) => r.verified)).toBe(true);

    receiver.mode = 'ok';
    const second = await spawnGateway(env());
    try {
      const seen = (type: string) =>
        new Set(receiver.received.filter((r) => r.payload?.type === type).map((r) => String(r.payload?.data.queueId)));
      const complete = () =>
        [...acked].every((id) => seen('message.accepted').has(id) && seen('message.delivered').has(id));
      await waitFor(complete, 40_000, 'an accepted and a delivered event per message', 100).catch(() => undefined);
      expect([...acked].filter((id) => !seen('message.accepted').has(id))).toEqual([]);
      expect([...acked].filter((id) => !seen('message.delivered').has(id))).toEqual([]);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited();
    }
  }, 90_000);
});
