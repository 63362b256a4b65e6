import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayEvent } from '../../src/core/events.js';
import { newQueueId } from '../../src/core/ids.js';
import { openEventOutbox } from '../../src/queue/event-outbox.js';
import { putPgEvents } from '../../src/queue/pg/pg-outbox.js';
import { createDispatcher, type Dispatcher } from '../../src/webhooks/dispatcher.js';
import { postEvent } from '../../src/webhooks/http-post.js';
import { openPgWebhookStores, type WebhookStores } from '../../src/webhooks/open-webhooks.js';
import { newWebhookSecret } from '../../src/webhooks/webhook-secret.js';
import type { Endpoint } from '../../src/webhooks/webhook-types.js';
import { pgNodes, type PgNodes } from '../helpers/pg-nodes.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { storageAt } from '../helpers/temp-storage.js';
import { expectNothingFor, waitFor } from '../helpers/wait-for.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

/**
 * Webhooks on PostgreSQL with several nodes: an endpoint one node writes reaches the others' memory
 * (NOTIFY), and dispatchers on two nodes share one outbox and one set of deliveries, so every event
 * (the queue's, in the shared outbox, and each node's feedback events, in its LMDB) is sent once.
 */
const logger = pino({ level: 'silent' });
let cluster: TestPostgres;
let nodes: PgNodes;
let receiver: WebhookReceiver;
const cleanup: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  cluster = await startPostgres();
}, 60_000);

afterEach(async () => {
  for (const done of cleanup.splice(0).reverse()) await done().catch(() => undefined);
  await nodes?.end();
});

afterAll(async () => {
  await cluster?.stop();
});

interface Node {
  readonly stores: WebhookStores;
  readonly outbox: ReturnType<typeof openEventOutbox>;
  readonly dispatcher: Dispatcher;
}

/** One gateway's webhook side: its pool, its LMDB outbox, its dispatcher (not started). */
async function node(nodeId: string, secret: string): Promise<Node> {
  const pool = nodes.node();
  const stores = await openPgWebhookStores(pool, { nodeId, leaseMs: 30_000 });
  const dir = await mkdtemp(join(tmpdir(), 'postbode-hooks-'));
  const outbox = openEventOutbox(storageAt(dir));
  const dispatcher = createDispatcher({
    endpoints: stores.endpoints,
    deliveries: stores.deliveries,
    outbox: outbox.db,
    secretsOf: () => [secret],
    post: (url, body, headers, signal) =>
      postEvent(url, body, headers, { resolveHost: async () => ['127.0.0.1'], timeoutMs: 2_000, signal }),
    policy: { initialDelayMs: 100, maxDelayMs: 400, retryForMs: 60_000 },
    concurrency: 8,
    perEndpoint: 4,
    pollMs: 20,
    disableAfterMs: 600_000,
    retentionMs: 86_400_000,
    clock: Date.now,
    logger,
  });
  cleanup.push(async () => {
    await dispatcher.stop();
    await stores.close();
    await outbox.root.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { stores, outbox, dispatcher };
}

function endpoint(url: string, now = Date.now()): Endpoint {
  const id = newQueueId(now);
  const events = ['message.accepted' as const];
  return { id, tenantId: 't1', url, events, enabled: true, secrets: [], createdAt: now, updatedAt: now };
}

function accepted(n: number): GatewayEvent {
  const at = Date.now();
  return {
    id: newQueueId(at),
    type: 'message.accepted',
    tenantId: 't1',
    at,
    data: { queueId: `q${n}`, messageId: '' },
  };
}

async function count(pool: pg.Pool, sql: string): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(sql);
  return Number(rows[0]?.n);
}

describe('webhooks on PostgreSQL, several nodes', () => {
  it("an endpoint written on one node is in another node's memory; so is its removal", async () => {
    nodes = await pgNodes(cluster);
    const a = await node('a', newWebhookSecret());
    const b = await node('b', newWebhookSecret());
    const made = endpoint('http://127.0.0.1:9/hooks');
    expect(b.stores.interest('t1', 'message.accepted')).toBe(false);
    await a.stores.endpoints.put(made);
    await waitFor(() => b.stores.interest('t1', 'message.accepted'), 5_000, 'the endpoint on node b');
    expect(b.stores.endpoints.get(made.id)).toEqual(made);
    expect(b.stores.interest('t1', 'message.delivered')).toBe(false);
    await a.stores.endpoints.put({ ...made, enabled: false });
    await waitFor(() => b.stores.endpoints.get(made.id)?.enabled === false, 5_000, 'the change on node b');
    expect(b.stores.interest('t1', 'message.accepted')).toBe(false);
    await b.stores.endpoints.remove(made.id);
    await waitFor(() => a.stores.endpoints.get(made.id) === undefined, 5_000, 'the removal on node a');
    expect(a.stores.endpoints.tenantIds()).toEqual([]);
  });

  it('two dispatchers on one database send each event once, the nodes’ own feedback events too', async () => {
    nodes = await pgNodes(cluster);
    receiver = await startWebhookReceiver();
    cleanup.push(() => receiver.close());
    const secret = newWebhookSecret();
    receiver.secret = secret;
    const a = await node('a', secret);
    const b = await node('b', secret);
    const made = endpoint(receiver.url);
    await a.stores.endpoints.put(made);
    await waitFor(() => b.stores.endpoints.get(made.id), 5_000, 'the endpoint on node b');
    const shared = Array.from({ length: 60 }, (_, i) => accepted(i));
    const pool = nodes.node();
    const client = await pool.connect();
    await putPgEvents(client, shared).finally(() => client.release());
    const own = [accepted(100), accepted(101), accepted(102), accepted(103)];
    await a.outbox.db.put(own[0]!.id, own[0]!);
    await a.outbox.db.put(own[1]!.id, own[1]!);
    await b.outbox.db.put(own[2]!.id, own[2]!);
    await b.outbox.db.put(own[3]!.id, own[3]!);
    a.dispatcher.start();
    b.dispatcher.start();
    const all = new Set([...shared, ...own].map((e) => e.id));
    await waitFor(() => receiver.verifiedIds().size === all.size, 15_000, 'every event at the receiver');
    await expectNothingFor(600, () => receiver.received.length === all.size, 'a second send of any event');
    expect(receiver.verifiedIds()).toEqual(all);
    expect(await count(pool, 'SELECT count(*) AS n FROM webhook_outbox')).toBe(0);
    expect([...a.outbox.db.getKeys()].length + [...b.outbox.db.getKeys()].length).toBe(0);
    const delivered = "SELECT count(*) AS n FROM webhook_deliveries WHERE delivery->>'status' = 'delivered'";
    expect(await count(pool, delivered)).toBe(all.size);
    expect(await count(pool, 'SELECT count(*) AS n FROM webhook_deliveries WHERE lease_node IS NOT NULL')).toBe(0);
    expect(a.stores.endpoints.health(made.id).consecutiveFailures).toBe(0);
  });

  it('a node that stops mid-attempt gives its delivery back: another sends it now, not after the lease', async () => {
    nodes = await pgNodes(cluster);
    receiver = await startWebhookReceiver();
    cleanup.push(() => receiver.close());
    const secret = newWebhookSecret();
    receiver.secret = secret;
    receiver.mode = 'stall';
    const a = await node('a', secret);
    const b = await node('b', secret);
    const made = endpoint(receiver.url);
    await a.stores.endpoints.put(made);
    await waitFor(() => b.stores.endpoints.get(made.id), 5_000, 'the endpoint on node b');
    const one = accepted(1);
    await a.outbox.db.put(one.id, one);
    a.dispatcher.start();
    await waitFor(() => receiver.received.length === 1, 5_000, 'the attempt node a makes');
    await a.dispatcher.stop();
    const pool = nodes.node();
    expect(await count(pool, 'SELECT count(*) AS n FROM webhook_deliveries WHERE lease_node IS NOT NULL')).toBe(0);
    receiver.mode = 'ok';
    b.dispatcher.start();
    await waitFor(() => receiver.received.length === 2, 5_000, 'the send by node b (the lease is 30 s)');
    expect(receiver.received.map((r) => r.id)).toEqual([one.id, one.id]);
  });
});
