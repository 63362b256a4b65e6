import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { QueuedMessage } from '../../src/core/types.js';
import { openComplaintStore, type ComplaintEvents, type ComplaintStore } from '../../src/feedback/arf-store.js';
import { openPgComplaintStore } from '../../src/feedback/pg-complaint-store.js';
import { pgNodes, type PgNodes } from '../helpers/pg-nodes.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { storageAt } from '../helpers/temp-storage.js';
import { waitFor } from '../helpers/wait-for.js';

/** Complaints (ARF): the same view on LMDB and PostgreSQL, then shared between two nodes. */
let cluster: TestPostgres;
let nodes: PgNodes | undefined;
let dir: string | undefined;
const opened: ComplaintStore[] = [];
beforeAll(async () => {
  cluster = await startPostgres();
}, 30_000);
afterAll(async () => {
  await cluster?.stop();
});
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
  await nodes?.end();
  nodes = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

type Backend = 'lmdb' | 'postgres';
const A = '01JD4T8X9M2C5V7B3N6K0AAAAA';
const B = '01JD4T8X9M2C5V7B3N6K0BBBBB';
const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 8);
const SHARED_WITHIN_MS = 1_000;

async function open(backend: Backend, count = 1, events?: ComplaintEvents): Promise<ComplaintStore[]> {
  const stores: ComplaintStore[] = [];
  if (backend === 'lmdb') {
    dir = await mkdtemp(join(tmpdir(), 'postbode-complaints-'));
    stores.push(openComplaintStore(storageAt(dir), events));
  } else {
    nodes = await pgNodes(cluster);
    for (let i = 0; i < count; i++) stores.push(await openPgComplaintStore((nodes as PgNodes).node(), events));
  }
  opened.push(...stores);
  return stores;
}

const complaint = (at: number, queueId: string, recipient?: string) => ({
  at,
  queueId,
  feedbackType: 'abuse',
  ...(recipient ? { recipient } : {}),
});

describe.each<Backend>(['lmdb', 'postgres'])('complaint store (%s)', (backend) => {
  it('counts the last day and 30 days, newest first; older ones go; another tenant sees none', async () => {
    const [store] = (await open(backend)) as [ComplaintStore];
    await store.record(A, complaint(NOW - 40 * DAY, 'Q0'));
    await store.record(A, complaint(NOW - 2 * DAY, 'Q1', 'jan@customer.test'));
    await store.record(A, complaint(NOW - 1000, 'Q2'));
    const summary = store.summary(A, NOW);
    expect(summary).toMatchObject({ lastDay: 1, last30Days: 2 });
    expect(summary.recent.map((c) => c.queueId)).toEqual(['Q2', 'Q1']);
    expect(summary.recent[1]).toEqual(complaint(NOW - 2 * DAY, 'Q1', 'jan@customer.test'));
    expect(store.summary(B, NOW)).toEqual({ lastDay: 0, last30Days: 0, recent: [] });
    expect(await store.forget(B)).toBe(0);
    expect(store.summary(A, NOW).last30Days).toBe(2);
  });

  it("the tenant purge lists both tenants and forgets one tenant's complaints only", async () => {
    const [store] = (await open(backend)) as [ComplaintStore];
    await store.record(A, complaint(NOW, 'QA'));
    await store.record(B, complaint(NOW, 'QB'));
    expect(store.tenantIds()).toEqual(new Set([A, B]));
    expect(await store.forget(A)).toBe(1);
    expect(store.tenantIds()).toEqual(new Set([B]));
    expect(store.summary(B, NOW).last30Days).toBe(1);
  });
});

describe('complaints on PostgreSQL, two nodes', () => {
  it("a complaint recorded on node A counts in node B's view within a second, and is forgotten on both", async () => {
    const [a, b] = (await open('postgres', 2)) as [ComplaintStore, ComplaintStore];
    await a.record(A, complaint(NOW, 'Q1', 'jan@customer.test'));
    await waitFor(() => b.summary(A, NOW).last30Days === 1, SHARED_WITHIN_MS, "the complaint in node B's view");
    expect(b.summary(B, NOW).last30Days).toBe(0);
    expect(await b.forget(A)).toBe(1);
    await waitFor(() => a.summary(A, NOW).last30Days === 0, SHARED_WITHIN_MS, 'the removal on node A');
  });

  it("writes the message.complaint event after the commit, only for the tenant's own message", async () => {
    const written: string[] = [];
    const message = (id: string) => ({ id, tenantId: id === 'QB' ? B : A, recipients: [] }) as unknown as QueuedMessage;
    const events: ComplaintEvents = {
      events: { add: () => undefined, write: async (type, s) => void written.push(`${type}:${s.message.id}`) },
      message,
    };
    const [store] = (await open('postgres', 1, events)) as [ComplaintStore];
    await store.record(A, complaint(NOW, 'QA'));
    await store.record(A, complaint(NOW, 'QB')); // names another tenant's message: no event
    expect(written).toEqual(['message.complaint:QA']);
  });

  it('database halted: recording fails with E_STORAGE, the view still answers; works after resume', async () => {
    const [store] = (await open('postgres')) as [ComplaintStore];
    await store.record(A, complaint(NOW - 1000, 'Q1'));
    await cluster.halt();
    try {
      await expect(store.record(A, complaint(NOW, 'Q2'))).rejects.toMatchObject({ code: 'E_STORAGE' });
      expect(store.summary(A, NOW).last30Days).toBe(1);
    } finally {
      await cluster.resume();
    }
    await waitFor(
      () =>
        store.record(A, complaint(NOW, 'Q2')).then(
          () => true,
          () => false,
        ),
      10_000,
      'a complaint recorded after the resume',
    );
    expect(store.summary(A, NOW).last30Days).toBe(2);
  });
});
