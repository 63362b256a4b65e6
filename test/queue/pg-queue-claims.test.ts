import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isGatewayError } from '../../src/core/gateway-error.js';
import { newQueueId } from '../../src/core/ids.js';
import type { NewMessage } from '../../src/core/types.js';
import { openPgQueue, type PgQueue, type PgQueueOptions } from '../../src/queue/pg/pg-queue.js';
import { openPgPool } from '../../src/store/postgres/pool.js';
import { pgNodes, type PgNodes } from '../helpers/pg-nodes.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { replyOf } from '../helpers/smtp-replies.js';
import { expectNothingFor, waitFor } from '../helpers/wait-for.js';

const logger = pino({ level: 'silent' });
const retry = { initialDelayMs: 60_000, maxDelayMs: 600_000, maxAgeMs: 90 * 86_400_000, jitter: 0 };
const none: ReadonlySet<string> = new Set();
let cluster: TestPostgres;
let nodes: PgNodes;
const opened: PgQueue[] = [];

beforeAll(async () => {
  cluster = await startPostgres();
}, 60_000);

afterEach(async () => {
  await Promise.all(opened.splice(0).map((q) => q.close().catch(() => undefined)));
  await nodes?.end();
});

afterAll(async () => {
  await cluster?.stop();
});

async function node(nodeId: string, options: Partial<PgQueueOptions> = {}): Promise<PgQueue> {
  const queue = await openPgQueue({ pool: nodes.node(), nodeId, retry, logger, ...options });
  opened.push(queue);
  return queue;
}

function mail(tenantId = 't1', to = ['b@example.test']): NewMessage {
  const receivedAt = Date.now();
  return {
    id: newQueueId(receivedAt),
    tenantId,
    kind: 'mail',
    envelope: { from: 'a@example.test', to },
    receivedAt,
    client: { address: '127.0.0.1', helo: 'invoicing' },
    messageId: `<${receivedAt}.${Math.random()}@example.test>`,
  };
}

const body = Buffer.from('Subject: x\r\n\r\nhello\r\n');
const dueIds = (q: PgQueue) => q.due(Date.now() + 1_000, 1_000, none).map((m) => m.id);

describe('PgQueue on several nodes', () => {
  it('a message is due only on the node that leases it; closing hands it to another node at once', async () => {
    nodes = await pgNodes(cluster);
    const a = await node('a');
    const b = await node('b', { pollMs: 60_000 });
    const { id } = await a.enqueue(mail(), body);
    expect(dueIds(a)).toEqual([id]);
    await expectNothingFor(300, () => dueIds(b).length === 0, 'B claiming a message A leases');
    await a.close();
    // B polls once a minute here: only the notification of the release can wake it this soon.
    await waitFor(() => dueIds(b).includes(id), 5_000, 'B to take the released message');
    expect((await b.body(id))?.equals(body)).toBe(true);
    expect(b.replayed).toBe(0);
  });

  it("a dead node's messages are taken over after its lease expires, and counted as replayed", async () => {
    nodes = await pgNodes(cluster);
    const deadPool = openPgPool(nodes.url);
    const a = await openPgQueue({ pool: deadPool, nodeId: 'a', retry, logger, leaseMs: 900 });
    const b = await node('b', { leaseMs: 900, pollMs: 100 });
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await a.enqueue(mail(), body)).id);
    await expectNothingFor(400, () => dueIds(b).length === 0, 'B taking live leases');
    // A's pool refuses every query from now on: A stops renewing, as if killed.
    const ended = deadPool.end();
    await waitFor(() => dueIds(b).length === 5, 8_000, "B to take the dead node's messages");
    expect(dueIds(b).sort()).toEqual(ids.sort());
    expect(b.replayed).toBe(5);
    await a.close().catch(() => undefined);
    await ended;
  });

  it('two nodes delivering one backlog never both deliver a message', async () => {
    nodes = await pgNodes(cluster);
    const a = await node('a', { workingSetMax: 10, pollMs: 50 });
    const b = await node('b', { workingSetMax: 10, pollMs: 50 });
    const total = 120;
    await Promise.all(Array.from({ length: total }, (_, i) => a.enqueue(mail(`t${i % 3}`), body)));
    const deliveries = new Map<string, number>();
    const deliver = async (q: PgQueue) => {
      for (const msg of q.due(Date.now() + 1_000, 5, none)) {
        deliveries.set(msg.id, (deliveries.get(msg.id) ?? 0) + 1);
        const results = msg.recipients.map((r) => ({
          address: r.address,
          outcome: 'delivered' as const,
          reply: replyOf('250 ok'),
        }));
        await q.record(msg.id, results, Date.now());
      }
    };
    await waitFor(
      async () => {
        await Promise.all([deliver(a), deliver(b)]);
        return deliveries.size === total;
      },
      30_000,
      'every message delivered',
    );
    expect([...deliveries.values()].every((n) => n === 1)).toBe(true);
    expect(a.depth().messages + b.depth().messages).toBeLessThanOrEqual(2 * total);
  });

  it('with the database down an enqueue fails with E_STORAGE, and works again once it is back', async () => {
    nodes = await pgNodes(cluster);
    const a = await node('a');
    await a.enqueue(mail(), body);
    await cluster.halt();
    try {
      const failed = await a.enqueue(mail(), body).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(isGatewayError(failed) && failed.code).toBe('E_STORAGE');
    } finally {
      await cluster.resume();
    }
    const again = await waitFor(
      () =>
        a.enqueue(mail(), body).then(
          (m) => m,
          () => undefined,
        ),
      15_000,
      'an enqueue to succeed again',
      200,
    );
    expect(await a.get(again.id)).toMatchObject({ id: again.id });
  });

  it('a change made on another node reaches the node that leases the message', async () => {
    nodes = await pgNodes(cluster);
    const a = await node('a');
    const b = await node('b');
    const { id } = await a.enqueue(mail(), body);
    const done = await b.expire(id, ['b@example.test'], Date.now(), 'given up on node B');
    expect(done.completedAt).toBeDefined();
    await waitFor(() => dueIds(a).length === 0, 5_000, 'A to drop the message B completed');
    expect((await a.get(id))?.recipients[0]?.status).toBe('expired');
  });

  it("another node's annotation is read before the log's document filter and views use it", async () => {
    nodes = await pgNodes(cluster);
    const a = await node('a');
    const b = await node('b');
    const { id } = await a.enqueue(mail(), body);
    await a.writeEffects({ copies: [], annotations: [{ queueId: id, note: { documentNumber: 'F-2026-7' } }] });
    expect(b.annotation(id)).toBeUndefined();
    const byDocument = (m: { id: string }) =>
      b.annotation<{ documentNumber?: string }>(m.id)?.documentNumber === 'F-2026-7';
    const page = await b.list({ limit: 10, accept: byDocument });
    expect(page.messages.map((m) => m.id)).toEqual([id]);
    expect(b.annotation(id)).toEqual({ documentNumber: 'F-2026-7' });
  });

  it("another tenant's backlog does not hide a tenant's due mail from dueOf", async () => {
    nodes = await pgNodes(cluster);
    const a = await node('a');
    for (let i = 0; i < 20; i++) await a.enqueue(mail('busy'), body);
    const { id } = await a.enqueue(mail('quiet'), body);
    expect(a.dueOf('quiet', Date.now() + 1_000, 5, none).map((m) => m.id)).toEqual([id]);
    expect(a.dueTenants().sort()).toEqual(['busy', 'quiet']);
  });
});
