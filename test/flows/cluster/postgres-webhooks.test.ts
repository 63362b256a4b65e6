import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { startPostgres, type TestPostgres } from '../../helpers/postgres.js';
import { api, startSenderGateway } from '../../helpers/sender-harness.js';
import { startSink, type Sink } from '../../helpers/sink.js';
import { waitFor } from '../../helpers/wait-for.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../helpers/webhook-receiver.js';
import { FAST_WEBHOOKS, sendMail } from '../webhooks/webhook-helpers.js';

/**
 * Two gateways on one PostgreSQL database share the webhooks and the audit log: an endpoint made
 * through node A's API gets the event of mail accepted on node B, and node B's API lists the
 * audit entry of the change made through node A.
 */
let pg: TestPostgres;
let sink: Sink;
let receiver: WebhookReceiver;
let a: TestGateway;
let b: TestGateway;

beforeAll(async () => {
  pg = await startPostgres();
  sink = await startSink();
  receiver = await startWebhookReceiver();
  const url = await pg.freshDatabase();
  const config = {
    smtp: { requireVerifiedSender: false },
    store: { backend: 'postgres', postgres: { url } },
    webhooks: FAST_WEBHOOKS,
  };
  a = await startSenderGateway(sink.port, config);
  b = await startSenderGateway(sink.port, config);
}, 60_000);

afterAll(async () => {
  await b?.stop();
  await a?.stop();
  await receiver?.close();
  await sink?.close();
  await pg?.stop();
});

describe('webhooks and the audit log on PostgreSQL, two nodes', () => {
  it("an endpoint made on node A gets the event of mail accepted on B; B's API lists A's audit entry", async () => {
    const made = await api(a, 'POST', `/tenants/${a.tenantId}/webhooks`, {
      url: receiver.url,
      events: ['message.accepted'],
    });
    expect(made.status).toBe(201);
    receiver.secret = made.body.secret as string;
    const endpointId = (made.body.endpoint as { id: string }).id;
    await waitFor(
      async () => {
        const listed = await api(b, 'GET', `/tenants/${a.tenantId}/webhooks`);
        return (listed.body.endpoints as Array<{ id: string }>).some((e) => e.id === endpointId);
      },
      5_000,
      "the endpoint in node B's API",
    );

    const queueId = await sendMail({ ...b, user: a.user, pass: a.pass }, 'klant@example.com');
    const hook = await waitFor(
      () => receiver.received.find((r) => r.verified && r.payload?.data.queueId === queueId),
      10_000,
      'the accepted event of the mail node B took',
    );
    expect(hook.payload?.type).toBe('message.accepted');
    expect(receiver.received.filter((r) => r.payload?.data.queueId === queueId)).toHaveLength(1);

    const audit = await api(b, 'GET', '/audit?limit=50');
    expect(audit.status).toBe(200);
    expect(audit.body.entries).toContainEqual(
      expect.objectContaining({ method: 'POST', route: '/tenants/:id/webhooks', targetId: endpointId }),
    );
  });
});
