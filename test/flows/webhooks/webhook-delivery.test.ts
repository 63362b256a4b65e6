import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../../helpers/gateway-harness.js';
import { startSink, type Sink } from '../../helpers/sink.js';
import { waitFor } from '../../helpers/wait-for.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../helpers/webhook-receiver.js';
import { eventPayloads } from '../../../src/admin/api/v1/webhook-schemas.js';
import { ADMIN, ALL_EVENTS, FAST_WEBHOOKS, apiOf, sendMail } from './webhook-helpers.js';

/**
 * Webhooks end to end over real sockets: mail through SMTP, events signed per Standard Webhooks
 * and checked by the npm `standardwebhooks` library as a receiver would, a stalled receiver
 * that holds up nobody else, secret rotation with both signatures, and the test event.
 */
describe('webhook delivery', () => {
  let sink: Sink;
  let gw: TestGateway;
  let good: WebhookReceiver;
  let stalled: WebhookReceiver;
  const call = apiOf(() => gw);

  beforeAll(async () => {
    sink = await startSink();
    good = await startWebhookReceiver();
    stalled = await startWebhookReceiver();
    stalled.mode = 'stall';
    gw = await startTestGateway(
      sink.port,
      {
        smtp: { requireVerifiedSender: false },
        webhooks: { ...FAST_WEBHOOKS, maxEndpointsPerTenant: 3, disableAfterMs: 1000 },
      },
      {},
      { POSTBODE_ADMIN_TOKEN: ADMIN, POSTBODE_SECRET_KEY: 'cd'.repeat(32) },
    );
  });
  afterAll(async () => {
    await gw?.stop();
    await Promise.all([sink?.close(), good?.close(), stalled?.close()]);
  });

  async function addEndpoint(receiver: WebhookReceiver, events = ALL_EVENTS): Promise<string> {
    const made = await call('POST', `/tenants/${gw.tenantId}/webhooks`, { url: receiver.url, events });
    expect(made.status).toBe(201);
    expect(made.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    receiver.secret = made.body.secret;
    return made.body.endpoint.id;
  }

  it('signs accepted and delivered events that standardwebhooks verifies; a tampered body fails', async () => {
    const id = await addEndpoint(good);
    const shown = await call('GET', `/tenants/${gw.tenantId}/webhooks/${id}`);
    expect(JSON.stringify(shown.body)).not.toMatch(/whsec_|sealed/);
    // Sealed at rest: neither the secret nor its key bytes are in the database file.
    const file = await readFile(join(gw.dataDir, 'db', 'data.mdb'));
    const key = Buffer.from(good.secret!.slice('whsec_'.length), 'base64');
    expect([file.includes(good.url), file.includes(good.secret!), file.includes(key)]).toEqual([true, false, false]);
    const queueId = await sendMail(gw, 'klant@customer.test');
    const delivered = await waitFor(
      () => good.received.find((r) => r.payload?.type === 'message.delivered' && r.payload.data.queueId === queueId),
      10_000,
      'the delivered event',
    );
    const accepted = good.received.find((r) => r.payload?.type === 'message.accepted');
    expect(accepted?.payload?.data).toMatchObject({ queueId, recipients: ['klant@customer.test'] });
    expect(delivered.verified).toBe(true);
    expect(delivered.payload?.data).toMatchObject({ queueId, recipient: 'klant@customer.test', role: 'client' });
    expect(delivered.payload?.data.messageId).toMatch(/^<.+>$/);
    expect(delivered.signature).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    const headers = {
      'webhook-id': delivered.id,
      'webhook-timestamp': delivered.timestamp,
      'webhook-signature': delivered.signature,
    };
    const tampered = delivered.body.replace('klant@customer.test', 'attacker@evil.test');
    expect(() => new Webhook(good.secret!).verify(tampered, headers)).toThrow();
    const path = `/tenants/${gw.tenantId}/webhooks/${id}/deliveries?status=delivered`;
    const listed = async () => (await call('GET', path)).body.deliveries.length >= 2;
    await waitFor(listed, 5_000, 'both deliveries listed as delivered', 200);
    await call('DELETE', `/tenants/${gw.tenantId}/webhooks/${id}`);
  });

  it('times out a stalled receiver, retries, switches it off after failing too long; others go on', async () => {
    const slow = await addEndpoint(stalled, ['message.delivered']);
    const fast = await addEndpoint(good, ['message.delivered']);
    const queueId = await sendMail(gw, 'second@customer.test');
    await waitFor(
      () => good.received.some((r) => r.verified && r.payload?.data.queueId === queueId),
      10_000,
      'the healthy endpoint',
    );
    const retried = await waitFor(
      async () => {
        const list = await call('GET', `/tenants/${gw.tenantId}/webhooks/${slow}/deliveries`);
        const d = list.body.deliveries.find((x: any) => x.attempts >= 2);
        return d;
      },
      15_000,
      'a second attempt at the stalled receiver',
      200,
    );
    expect(retried.lastError).toMatch(/timeout after 800 ms/);
    const health = await call('GET', `/tenants/${gw.tenantId}/webhooks/${slow}`);
    expect(health.body.health.consecutiveFailures).toBeGreaterThanOrEqual(2);
    expect(health.body.health.lastSuccessAt).toBeUndefined();
    // Failing for longer than webhooks.disableAfterMs (a day; 1 s here): switched off, its delivery given up.
    const off = async () => (await call('GET', `/tenants/${gw.tenantId}/webhooks/${slow}`)).body;
    const disabled = await waitFor(async () => ((await off()).enabled ? undefined : off()), 15_000, 'off', 200);
    expect(disabled.disabledReason).toMatch(/^failing since .* without a success$/);
    const given = async () =>
      (await call('GET', `/tenants/${gw.tenantId}/webhooks/${slow}/deliveries?status=failed`)).body.deliveries[0];
    expect((await waitFor(given, 10_000, 'the delivery given up', 200)).lastError).toBe('endpoint disabled');
    const on = await call('PATCH', `/tenants/${gw.tenantId}/webhooks/${slow}`, { enabled: true });
    expect(on.body.enabled).toBe(true);
    expect(on.body.disabledReason).toBeUndefined();
    await call('DELETE', `/tenants/${gw.tenantId}/webhooks/${slow}`);
    await call('DELETE', `/tenants/${gw.tenantId}/webhooks/${fast}`);
  });

  it('sends both signatures during a rotation, and the test event on request', async () => {
    const id = await addEndpoint(good);
    const oldSecret = good.secret!;
    const rotated = await call('POST', `/tenants/${gw.tenantId}/webhooks/${id}/rotate-secret`, { overlapSeconds: 60 });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(oldSecret);
    expect(rotated.body.endpoint.previousSecretRetiresAt).toBeGreaterThan(Date.now());
    good.secret = rotated.body.secret;
    const test = await call('POST', `/tenants/${gw.tenantId}/webhooks/${id}/test`);
    expect(test.status).toBe(200);
    expect(test.body).toMatchObject({ status: 'delivered', type: 'webhook.test', lastStatus: 204 });
    const hook = good.received.find((r) => r.id === test.body.eventId)!;
    expect(hook.verified).toBe(true);
    expect(hook.signature.split(' ')).toHaveLength(2);
    const headers = { 'webhook-id': hook.id, 'webhook-timestamp': hook.timestamp, 'webhook-signature': hook.signature };
    expect(new Webhook(oldSecret).verify(hook.body, headers)).toMatchObject({ type: 'webhook.test' });
    await call('DELETE', `/tenants/${gw.tenantId}/webhooks/${id}`);
  });

  it('refuses URLs inside the network, other schemes and unknown events, naming the field', async () => {
    const inside = await call('POST', `/tenants/${gw.tenantId}/webhooks`, {
      url: 'http://10.1.2.3/hook',
      events: ['message.delivered'],
    });
    expect(inside.status).toBe(400);
    expect(inside.body.fields['body.url'][0]).toMatch(/not allowed/);
    const ftp = await call('POST', `/tenants/${gw.tenantId}/webhooks`, {
      url: 'ftp://x.test/',
      events: ['message.delivered'],
    });
    expect(ftp.body.fields['body.url']).toBeDefined();
    const events = await call('POST', `/tenants/${gw.tenantId}/webhooks`, { url: good.url, events: ['mail.sent'] });
    expect(events.status).toBe(400);
    expect(Object.keys(events.body.fields)).toEqual(['body.events.0']);
  });
  it("answers 404 to a second tenant for the first's endpoints, deliveries, events and replays", async () => {
    const id = await addEndpoint(good, ['message.delivered']);
    const queueId = await sendMail(gw, 'third@customer.test');
    const hook = await waitFor(
      () => good.received.find((r) => r.verified && r.payload?.data.queueId === queueId),
      10_000,
      'the first tenant’s event',
    );
    const created = await call('POST', '/tenants', { name: 'Other Facturatie BV' });
    const otherId = created.body.tenant.id;
    const token = (await call('POST', `/tenants/${otherId}/tokens`, {})).body.token;
    const first = `/tenants/${gw.tenantId}/webhooks`;
    const tries: Array<[string, string, unknown?]> = [
      ['GET', first],
      ['POST', first, { url: good.url, events: ['message.delivered'] }],
      ['GET', `${first}/${id}`],
      ['PATCH', `${first}/${id}`, { enabled: false }],
      ['POST', `${first}/${id}/rotate-secret`, {}],
      ['GET', `${first}/${id}/deliveries`],
      ['POST', `${first}/${id}/replay`, { eventId: hook.id }],
      ['POST', `${first}/${id}/test`],
      ['DELETE', `${first}/${id}`],
      // Under its own tenant id: the first tenant's endpoint and event are unknown there too.
      ['GET', `/tenants/${otherId}/webhooks/${id}`],
      ['POST', `/tenants/${otherId}/webhooks/${id}/replay`, { eventId: hook.id }],
    ];
    for (const [method, path, body] of tries) {
      const res = await call(method, path, body, token);
      expect([method, path, res.status]).toEqual([method, path, 404]);
    }
    const own = await call(
      'POST',
      `/tenants/${otherId}/webhooks`,
      { url: good.url, events: ['message.delivered'] },
      token,
    );
    expect(own.status).toBe(201);
    const stolen = await call(
      'POST',
      `/tenants/${otherId}/webhooks/${own.body.endpoint.id}/replay`,
      { eventId: hook.id },
      token,
    );
    expect(stolen.status).toBe(404);
    expect((await call('GET', `/tenants/${otherId}/webhooks`, undefined, token)).body.endpoints).toHaveLength(1);
    const still = await call('GET', `${first}/${id}`);
    expect(still.body.enabled).toBe(true);
    await call('DELETE', `${first}/${id}`);
  });
  it('sends bodies that match the OpenAPI document’s payload schemas; it shows an example of each', async () => {
    const sent = good.received.filter((r) => r.verified).map((r) => JSON.parse(r.body));
    expect(new Set(sent.map((b) => b.type)).size).toBeGreaterThanOrEqual(3);
    const schema = z.union([...eventPayloads]);
    for (const body of sent) expect([body.type, schema.safeParse(body).success]).toEqual([body.type, true]);
    const listed = await call('GET', '/webhook-events');
    expect(listed.body.payloads).toHaveLength(11);
    for (const body of listed.body.payloads) expect(schema.safeParse(body).success).toBe(true);
    const res = await fetch(`http://127.0.0.1:${gw.gateway.httpPort}/api/v1/openapi.json`);
    const doc = (await res.json()) as { components: { schemas: Record<string, unknown> } };
    for (const name of ['WebhookAccepted', 'WebhookBounced', 'WebhookComplaint', 'WebhookTest'])
      expect(doc.components.schemas[name]).toBeDefined();
  });

  it('replays failed deliveries since a time under the same webhook-id, and caps endpoints per tenant', async () => {
    const since = Date.now();
    const id = await addEndpoint(good);
    good.mode = 'fail';
    const failed = await call('POST', `/tenants/${gw.tenantId}/webhooks/${id}/test`);
    good.mode = 'ok';
    expect(failed.body).toMatchObject({ status: 'failed', lastStatus: 500, lastError: 'HTTP 500' });
    const replay = await call('POST', `/tenants/${gw.tenantId}/webhooks/${id}/replay`, { failedSince: since });
    expect(replay).toMatchObject({ status: 202, body: { queued: 1 } });
    const again = () => good.received.filter((r) => r.id === failed.body.eventId);
    await waitFor(() => again().some((r) => r.verified && r.payload?.type === 'webhook.test'), 10_000, 'the replay');
    expect(again()).toHaveLength(2);
    const both = await call('POST', `/tenants/${gw.tenantId}/webhooks/${id}/replay`, { eventId: 'x', failedSince: 1 });
    expect(both.status).toBe(400);
    const made = [id];
    for (let i = 0; i < 3; i++) {
      const res = await call('POST', `/tenants/${gw.tenantId}/webhooks`, { url: good.url, events: ['message.held'] });
      if (res.status === 201) made.push(res.body.endpoint.id);
      else expect(res).toMatchObject({ status: 409, body: { error: 'conflict' } });
    }
    expect(made).toHaveLength(3);
    for (const e of made) await call('DELETE', `/tenants/${gw.tenantId}/webhooks/${e}`);
  });
});
