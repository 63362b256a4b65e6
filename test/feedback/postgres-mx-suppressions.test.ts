import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { QueuedMessage, RecipientState } from '../../src/core/types.js';
import { suppressionStep } from '../../src/pipeline/suppression/mx-plan.js';
import type { SuppressionStore } from '../../src/feedback/suppression-store.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { waitFor } from '../helpers/wait-for.js';
import { mxDataNodes, type MxBackend, type MxDataNodes } from './mx-data-nodes.js';

/** The suppression list and bounce counts: one contract on LMDB and PostgreSQL, then what sharing adds. */
let cluster: TestPostgres;
let nodes: MxDataNodes | undefined;
beforeAll(async () => {
  cluster = await startPostgres();
}, 30_000);
afterAll(async () => {
  await cluster?.stop();
});
afterEach(async () => {
  await nodes?.end();
  nodes = undefined;
});

const A = '01JD4T8X9M2C5V7B3N6K0AAAAA';
const B = '01JD4T8X9M2C5V7B3N6K0BBBBB';
const thresholds = { hard: 3, userUnknown: 1 };
/** A change through one node must reach the other within this long. */
const SHARED_WITHIN_MS = 1_000;

async function open(backend: MxBackend, count = 1): Promise<SuppressionStore[]> {
  nodes = await mxDataNodes(backend, cluster);
  const opened: SuppressionStore[] = [];
  for (let i = 0; i < count; i++) opened.push((await (nodes as MxDataNodes).node()).suppressions);
  return opened;
}

const bounce = (store: SuppressionStore, tenantId: string, address: string, userUnknown: boolean, now: number) =>
  store.recordHardBounce({ tenantId, address, reason: '550 no', userUnknown, now }, thresholds);

describe.each<MxBackend>(['lmdb', 'postgres'])('suppression store contract (%s)', (backend) => {
  it('suppresses after one "user unknown", or after three other hard bounces, per tenant', async () => {
    const [store] = (await open(backend)) as [SuppressionStore];
    expect(await bounce(store, A, 'Jan@Customer.test', true, 10)).toMatchObject({
      address: 'jan@customer.test',
      bounces: 1,
      createdAt: 10,
      lastBounceAt: 10,
    });
    expect(await bounce(store, A, 'full@customer.test', false, 10)).toBeUndefined();
    expect(await bounce(store, A, 'full@customer.test', false, 20)).toBeUndefined();
    expect(await bounce(store, A, 'full@customer.test', false, 30)).toMatchObject({ bounces: 3, createdAt: 30 });
    expect(store.get(A, 'JAN@customer.test')).toBeDefined();
    expect(store.get(B, 'jan@customer.test')).toBeUndefined();
    expect(store.list(A).map((e) => e.address)).toEqual(['full@customer.test', 'jan@customer.test']);
    expect(store.list(B)).toEqual([]);
  });

  it('removing forgets the count; adding by hand keeps an existing entry', async () => {
    const [store] = (await open(backend)) as [SuppressionStore];
    for (const now of [10, 20, 30]) await bounce(store, A, 'full@customer.test', false, now);
    await bounce(store, A, 'jan@customer.test', true, 10);
    expect(await store.remove(A, 'Full@customer.test')).toBe(true);
    expect(await store.remove(A, 'full@customer.test')).toBe(false);
    expect(await bounce(store, A, 'full@customer.test', false, 40)).toBeUndefined();
    expect(await store.add(A, 'jan@customer.test', 'by hand', 50)).toMatchObject({ bounces: 1, createdAt: 10 });
    expect(await store.add(B, 'New@customer.test', 'by hand', 50)).toEqual({
      address: 'new@customer.test',
      reason: 'by hand',
      bounces: 0,
      createdAt: 50,
    });
  });

  it("the tenant purge sees tenants with only bounce counts and drops one tenant's list and counts", async () => {
    const [store] = (await open(backend)) as [SuppressionStore];
    for (const id of [A, B]) {
      await store.add(id, 'gone@customer.test', 'by hand', 1);
      await bounce(store, id, 'full@customer.test', false, 2);
    }
    const onlyCounted = '01JD4T8X9M2C5V7B3N6K0CCCCC';
    await bounce(store, onlyCounted, 'x@customer.test', false, 3);
    expect(new Set(store.tenantIds())).toEqual(new Set([A, B, onlyCounted]));
    expect(await store.removeTenant(A)).toBe(2); // one entry, one bounce count
    expect(store.list(A)).toEqual([]);
    expect(new Set(store.tenantIds())).toEqual(new Set([B, onlyCounted]));
    expect(store.list(B).map((e) => e.address)).toEqual(['gone@customer.test']);
    // B's count survived: two more bounces reach the threshold of three
    await bounce(store, B, 'full@customer.test', false, 4);
    expect(await bounce(store, B, 'full@customer.test', false, 5)).toMatchObject({ bounces: 3 });
  });

  it("a second tenant can neither see nor remove the first tenant's suppressions", async () => {
    const [store] = (await open(backend)) as [SuppressionStore];
    await bounce(store, A, 'jan@customer.test', true, 10);
    expect(store.get(B, 'jan@customer.test')).toBeUndefined();
    expect(store.list(B)).toEqual([]);
    expect(await store.remove(B, 'jan@customer.test')).toBe(false);
    expect(await store.removeTenant(B)).toBe(0);
    expect(store.get(A, 'jan@customer.test')).toMatchObject({ bounces: 1 });
    // B's own bounce of that address starts its own count
    expect(await bounce(store, B, 'jan@customer.test', false, 11)).toBeUndefined();
  });
});

function message(tenantId: string, to: string): QueuedMessage {
  return { id: 'Q1', tenantId, envelope: { from: 'a@acme.test', to: [to] } } as unknown as QueuedMessage;
}
const pending = (address: string) => [{ address } as RecipientState];

describe('suppression list on PostgreSQL, two nodes', () => {
  it('an address suppressed through node A is refused by the plan on node B within a second, and freed', async () => {
    const [a, b] = (await open('postgres', 2)) as [SuppressionStore, SuppressionStore];
    const step = suppressionStep(b);
    const body = Buffer.from('x');
    expect((await step(message(A, 'jan@customer.test'), body, pending('jan@customer.test'))).decided).toEqual([]);
    await bounce(a, A, 'jan@customer.test', true, Date.UTC(2026, 11, 1));
    const refused = await waitFor(
      async () => (await step(message(A, 'jan@customer.test'), body, pending('jan@customer.test'))).decided[0],
      SHARED_WITHIN_MS,
      'the suppression on node B',
    );
    expect(refused.route).toMatchObject({ kind: 'suppressed', reply: { code: 550 } });
    expect(b.list(A).map((e) => e.address)).toEqual(['jan@customer.test']);
    expect(b.list(B)).toEqual([]);
    expect(await b.remove(A, 'jan@customer.test')).toBe(true);
    await waitFor(() => a.get(A, 'jan@customer.test') === undefined, SHARED_WITHIN_MS, 'the removal on node A');
  });

  it('hard bounces recorded at once on two nodes all count: exactly one of them reaches the threshold', async () => {
    const [a, b] = (await open('postgres', 2)) as [SuppressionStore, SuppressionStore];
    const limits = { hard: 20, userUnknown: 20 };
    const record = (store: SuppressionStore, now: number) =>
      store.recordHardBounce(
        { tenantId: A, address: 'full@customer.test', reason: '550', userUnknown: false, now },
        limits,
      );
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => record(i % 2 === 0 ? a : b, 100 + i)));
    const suppressed = results.filter((r) => r !== undefined);
    expect(suppressed).toHaveLength(1);
    expect(suppressed[0]).toMatchObject({ address: 'full@customer.test', bounces: 20 });
    expect(await record(b, 200)).toMatchObject({ bounces: 21 });
    await waitFor(() => a.get(A, 'full@customer.test')?.bounces === 21, SHARED_WITHIN_MS, 'the count on node A');
  });

  it('database halted: a hard bounce is refused with E_STORAGE (no crash), and counts after resume', async () => {
    const [store] = (await open('postgres')) as [SuppressionStore];
    expect(await bounce(store, A, 'full@customer.test', false, 1)).toBeUndefined();
    await cluster.halt();
    try {
      await expect(bounce(store, A, 'full@customer.test', false, 2)).rejects.toMatchObject({
        code: 'E_STORAGE',
        message: expect.stringContaining('recording a hard bounce failed'),
      });
      await expect(store.add(A, 'x@customer.test', 'by hand', 2)).rejects.toMatchObject({ code: 'E_STORAGE' });
      expect(store.get(A, 'x@customer.test')).toBeUndefined();
    } finally {
      await cluster.resume();
    }
    const third = await waitFor(
      () =>
        bounce(store, A, 'full@customer.test', false, 3).then(
          (e) => (e ? e : 'counted'),
          () => undefined,
        ),
      10_000,
      'a bounce recorded after the resume',
    );
    expect(third).toBe('counted'); // the second of three: the failed one was not counted
    expect(await bounce(store, A, 'full@customer.test', false, 4)).toMatchObject({ bounces: 3 });
  });
});
