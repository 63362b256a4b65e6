import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { newQueueId } from '../../src/core/ids.js';
import type { QueuedMessage } from '../../src/core/types.js';
import { feedbackEvents } from '../../src/feedback/feedback-events.js';
import type { OpenStore } from '../../src/feedback/opens/open-store.js';
import { openPgOpenStore } from '../../src/feedback/opens/pg-open-store.js';
import { openEventOutbox } from '../../src/queue/event-outbox.js';
import { type LmdbQueue, openQueue } from '../../src/queue/lmdb-queue.js';
import type { Storage } from '../../src/store/storage.js';
import { pgNodes, type PgNodes } from '../helpers/pg-nodes.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { storageAt } from '../helpers/temp-storage.js';
import { waitFor } from '../helpers/wait-for.js';

/**
 * Pixel opens on one PostgreSQL database recorded by two "nodes": each node's API shows the other's
 * opens, counts from both add up, and a person's first open makes one `message.opened` event, in the
 * outbox of the node that recorded it (a real LMDB queue's outbox, as in the gateway).
 */
const HUMAN_UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)';
let cluster: TestPostgres;
let nodes: PgNodes;
let dir: string;
let storage: Storage;
let queue: LmdbQueue;
let a: OpenStore;
let b: OpenStore;

beforeAll(async () => {
  cluster = await startPostgres();
}, 30_000);
afterAll(async () => {
  await cluster?.stop();
});
beforeEach(async () => {
  nodes = await pgNodes(cluster);
  dir = await mkdtemp(join(tmpdir(), 'postbode-pg-opens-'));
  storage = storageAt(dir);
  const retry = { initialDelayMs: 1000, maxDelayMs: 10_000, maxAgeMs: 86_400_000, jitter: 0 };
  queue = openQueue({ storage, retry, logger: pino({ level: 'silent' }), events: () => true });
  const events = { events: feedbackEvents(queue.outbox), message: (id: string) => queue.get(id) };
  a = openPgOpenStore(nodes.node(), events);
  b = openPgOpenStore(nodes.node(), events);
});
afterEach(async () => {
  await a?.close();
  await b?.close();
  await queue?.close();
  await nodes?.end();
  await rm(dir, { recursive: true, force: true });
});

async function enqueue(tenantId: string, to: string[]): Promise<QueuedMessage> {
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

const opened = () =>
  [...openEventOutbox(storage).db.getRange()].map((e) => e.value).filter((e) => e.type === 'message.opened');

describe('pixel opens on PostgreSQL, two nodes', () => {
  it("an open recorded on node B is shown by node A's reads; opens from both nodes at once all count", async () => {
    const msg = await enqueue('tenant-a', ['Piet@Klant.test', 'jan@klant.test']);
    const deliveredAt = Date.now() - 3600_000;
    const open = (store: OpenStore, recipient: string, userAgent: string) =>
      store.record({ messageId: msg.id, recipient, userAgent, openedAt: Date.now(), deliveredAt });
    await open(b, 'Piet@Klant.test', 'curl/8.5.0');
    expect(a.forMessage(msg.id)).toEqual({}); // nothing read yet on A
    await a.load?.([msg.id]);
    expect(a.forMessage(msg.id)['piet@klant.test']).toMatchObject({ count: 1, humanOpens: 0, automatedOpens: 1 });

    await Promise.all(Array.from({ length: 10 }, (_, i) => open(i % 2 === 0 ? a : b, 'jan@klant.test', HUMAN_UA)));
    await b.load?.([msg.id, 'no-such-message']);
    const seen = b.forMessage(msg.id);
    expect(Object.keys(seen).sort()).toEqual(['jan@klant.test', 'piet@klant.test']);
    expect(seen['jan@klant.test']).toMatchObject({ count: 10, humanOpens: 10, lastClass: 'human' });
    expect(b.forMessage('no-such-message')).toEqual({});
    // Ten human opens at once over two nodes: one person's first open, one event.
    expect(opened().map((e) => e.data.recipient)).toEqual(['jan@klant.test']);
  });

  it("one message's opens are never another's: a prefix of its id finds nothing", async () => {
    const mine = await enqueue('tenant-a', ['a@x.test']);
    const theirs = await enqueue('tenant-b', ['b@x.test']);
    await a.record({ messageId: mine.id, recipient: 'a@x.test', userAgent: HUMAN_UA, openedAt: Date.now() });
    await b.load?.([theirs.id, mine.id.slice(0, -1)]);
    expect(b.forMessage(theirs.id)).toEqual({});
    expect(b.forMessage(mine.id.slice(0, -1))).toEqual({});
  });

  it('while the database is down a pixel fetch fails with E_STORAGE and no event; it counts after resume', async () => {
    const msg = await enqueue('tenant-a', ['a@x.test']);
    const deliveredAt = Date.now() - 3600_000;
    const open = () =>
      a.record({ messageId: msg.id, recipient: 'a@x.test', userAgent: HUMAN_UA, openedAt: Date.now(), deliveredAt });
    await cluster.halt();
    try {
      await expect(open()).rejects.toMatchObject({ code: 'E_STORAGE' });
      await expect(b.load?.([msg.id])).rejects.toMatchObject({ code: 'E_STORAGE' });
      expect(opened()).toEqual([]);
    } finally {
      await cluster.resume();
    }
    // The pool's first connections after the restart may still fail: retried until one records.
    const after = await waitFor(() => open().catch(() => undefined), 15_000, 'an open recorded after resume');
    expect(after).toMatchObject({ count: 1, humanOpens: 1 });
    expect(opened()).toHaveLength(1);
  }, 60_000);
});
