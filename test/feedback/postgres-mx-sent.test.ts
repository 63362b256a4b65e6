import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { NewMessage } from '../../src/core/types.js';
import { createReplyConfirmation } from '../../src/feedback/reply-confirmation.js';
import type { PgSentIndex } from '../../src/feedback/pg-sent-index.js';
import type { MxData } from '../../src/receive/mx/mx-data.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { waitFor } from '../helpers/wait-for.js';
import { mxDataNodes, type MxBackend, type MxDataNodes } from './mx-data-nodes.js';

/** Sent Message-IDs and reply targets: the same behaviour on LMDB and PostgreSQL, then what sharing adds. */
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
const SHARED_WITHIN_MS = 1_000;

async function open(backend: MxBackend, count = 1): Promise<MxData[]> {
  nodes = await mxDataNodes(backend, cluster);
  const opened: MxData[] = [];
  for (let i = 0; i < count; i++) opened.push(await (nodes as MxDataNodes).node());
  return opened;
}

/** Recording is fire-and-forget: the entry is there once `find` answers it. */
const recorded = (data: MxData, tenantId: string, messageId: string, queueId: string) =>
  waitFor(async () => (await data.sent.find(tenantId, [messageId])) === queueId, 5_000, `${messageId} indexed`);

describe.each<MxBackend>(['lmdb', 'postgres'])('sent index and reply targets (%s)', (backend) => {
  it("finds a tenant's Message-ID case-insensitively, never another tenant's; the first sending stays", async () => {
    const [data] = (await open(backend)) as [MxData];
    data.sent.record(A, '<A@x.test>', 'Q1', 1000);
    await recorded(data, A, '<a@x.test>', 'Q1');
    data.sent.record(A, '<a@x.test>', 'Q9', 6000); // a retry of the same id keeps the first entry
    data.sent.record(A, '<b@x.test>', 'Q2', 5000);
    await recorded(data, A, '<b@x.test>', 'Q2');
    expect(await data.sent.find(A, ['<nope@x.test>', 'a@X.TEST'])).toBe('Q1');
    expect(await data.sent.find(B, ['<a@x.test>', '<b@x.test>'])).toBeUndefined();
    expect(await data.sent.find(A, ['', '<>'])).toBeUndefined();
  });

  it('purges the entries recorded before the retention cut, keeps the later ones', async () => {
    const [data] = (await open(backend)) as [MxData];
    data.sent.record(A, '<old@x.test>', 'Q1', 1000);
    data.sent.record(A, '<new@x.test>', 'Q2', 5000);
    await recorded(data, A, '<new@x.test>', 'Q2');
    await recorded(data, A, '<old@x.test>', 'Q1');
    // On LMDB the age index is written just after the entry: purge until the old entry is gone, counting.
    let purged = 0;
    await waitFor(
      async () => {
        purged += await data.purgeSent(2000);
        return (await data.sent.find(A, ['<old@x.test>'])) === undefined;
      },
      5_000,
      'the old entry purged',
    );
    expect(purged).toBe(1);
    expect(await data.sent.find(A, ['<new@x.test>'])).toBe('Q2');
  });

  it("the tenant purge drops one tenant's reply target, sent Message-IDs and list; another's stay", async () => {
    const [data] = (await open(backend)) as [MxData];
    for (const id of [A, B]) {
      data.sent.record(id, `<m@${id}.test>`, `Q-${id}`, 10);
      await recorded(data, id, `<m@${id}.test>`, `Q-${id}`);
      await data.replyTargets.put(id, { address: `office@${id}.test`, sends: [] });
    }
    await data.suppressions.add(B, 'gone@customer.test', 'by hand', 1);
    expect(new Set(data.suppressions.tenantIds())).toEqual(new Set([A, B]));
    expect(await data.suppressions.removeTenant(A)).toBe(2); // the target, one Message-ID
    expect(await data.replyTargets.read(A)).toBeUndefined();
    expect(await data.sent.find(A, [`<m@${A}.test>`])).toBeUndefined();
    expect(await data.replyTargets.read(B)).toMatchObject({ address: `office@${B}.test` });
    expect(await data.sent.find(B, [`<m@${B}.test>`])).toBe(`Q-${B}`);
    expect(data.suppressions.list(B)).toHaveLength(1);
    expect(await data.suppressions.removeTenant(A)).toBe(0);
  });

  it('a link is used once: only while the stored target still holds it', async () => {
    const [data] = (await open(backend)) as [MxData];
    await data.replyTargets.put(A, { address: 'office@a.test', tokenHash: 'h1', sends: [1] });
    const confirmed = { address: 'office@a.test', confirmedAt: 2, sends: [1] };
    expect(await data.replyTargets.putIfLink(B, 'h1', confirmed)).toBe(false);
    expect(await data.replyTargets.putIfLink(A, 'other', confirmed)).toBe(false);
    expect(await data.replyTargets.putIfLink(A, 'h1', confirmed)).toBe(true);
    expect(await data.replyTargets.putIfLink(A, 'h1', confirmed)).toBe(false);
    expect(data.replyTargets.get(A)).toEqual(confirmed);
    expect(await data.replyTargets.read(B)).toBeUndefined();
  });
});

function confirmationOn(data: MxData, mailed: string[]) {
  return createReplyConfirmation({
    targets: data.replyTargets,
    queue: {
      enqueue: async (_message: NewMessage, body: Buffer) => {
        mailed.push(body.toString('utf8'));
        return {} as never;
      },
      list: () => ({ messages: [] }),
      retryNow: async () => ({}) as never,
    } as never,
    domainVerified: () => false,
    tenantName: async () => 'Acme',
    confirmUrl: 'https://gw.test/reply-address/confirm',
    hostname: 'gw.test',
    from: 'MAILER-DAEMON@gw.test',
    clock: Date.now,
    logger: pino({ level: 'silent' }),
    onQueued: () => undefined,
  });
}

describe('sent index and reply targets on PostgreSQL, two nodes', () => {
  it("a Message-ID recorded on node A is found by node B's MX; never for another tenant", async () => {
    const [a, b] = (await open('postgres', 2)) as [MxData, MxData];
    a.sent.record(A, '<invoice-1@acme.test>', 'Q1', 1000);
    await recorded(b, A, '<invoice-1@acme.test>', 'Q1');
    b.sent.record(A, '<invoice-1@acme.test>', 'Q2', 2000); // B's retry: the first sending stays
    b.sent.record(A, '<invoice-2@acme.test>', 'Q3', 2000);
    await recorded(a, A, '<invoice-2@acme.test>', 'Q3');
    expect(await a.sent.find(A, ['<invoice-1@acme.test>'])).toBe('Q1');
    expect(await b.sent.find(B, ['<invoice-1@acme.test>', '<invoice-2@acme.test>'])).toBeUndefined();
    expect(await b.suppressions.removeTenant(B)).toBe(0);
    expect(await a.sent.find(A, ['<invoice-2@acme.test>'])).toBe('Q3');
  });

  it('the sent purge runs on one node at a time: two nodes purging at once remove each entry once', async () => {
    const [a, b] = (await open('postgres', 2)) as [MxData, MxData];
    for (let i = 0; i < 30; i++) a.sent.record(A, `<m${i}@acme.test>`, `Q${i}`, 1000 + i);
    await recorded(b, A, '<m29@acme.test>', 'Q29');
    await waitFor(async () => (await b.sent.find(A, ['<m0@acme.test>'])) === 'Q0', 5_000, 'the first entry');
    const [one, two] = await Promise.all([a.purgeSent(1020), b.purgeSent(1020)]);
    // One node purges, the other skips (0) or finds nothing left: never counted twice, nothing missed.
    expect([one, two].sort()).toContain(0);
    expect((one ?? 0) + (two ?? 0)).toBe(20);
    expect(await a.sent.find(A, ['<m19@acme.test>'])).toBeUndefined();
    expect(await a.sent.find(A, ['<m20@acme.test>'])).toBe('Q20');
  });

  it("a link mailed through node A is shown and confirmed on node B; A's replies go, the link is spent", async () => {
    const [a, b] = (await open('postgres', 2)) as [MxData, MxData];
    const mailed: string[] = [];
    const onA = confirmationOn(a, mailed);
    const onB = confirmationOn(b, mailed);
    await onA.onReplyToSaved(A, 'Office@Elders.test');
    const token = /token=(\S+)/.exec(mailed[0] ?? '')?.[1] ?? '';
    expect(await onA.isConfirmed(A, 'office@elders.test')).toBe(false);
    await waitFor(() => onB.addressOf(token) === 'office@elders.test', SHARED_WITHIN_MS, 'the link on node B');
    expect(await onB.confirm(token)).toEqual({ tenantId: A, address: 'office@elders.test' });
    expect(await onA.isConfirmed(A, 'office@elders.test')).toBe(true);
    expect(await onA.isConfirmed(B, 'office@elders.test')).toBe(false);
    expect(await onA.confirm(token)).toBeUndefined();
    await waitFor(() => onA.addressOf(token) === undefined, SHARED_WITHIN_MS, 'the spent link on node A');
  });

  it('database halted: lookups and target writes fail with E_STORAGE, recording logs; works after resume', async () => {
    const [data] = (await open('postgres')) as [MxData];
    data.sent.record(A, '<before@acme.test>', 'Q1', 1000);
    await recorded(data, A, '<before@acme.test>', 'Q1');
    const confirmed = { address: 'office@a.test', confirmedAt: 1, sends: [] };
    await data.replyTargets.put(A, confirmed);
    await cluster.halt();
    try {
      await expect(data.sent.find(A, ['<before@acme.test>'])).rejects.toMatchObject({ code: 'E_STORAGE' });
      await expect(data.replyTargets.put(A, { address: 'x@a.test', sends: [] })).rejects.toMatchObject({
        code: 'E_STORAGE',
      });
      expect(await data.replyTargets.read(A)).toEqual(confirmed); // this node's last known state
      expect(await data.replyTargets.putIfLink(A, 'h', confirmed).catch((e: { code: string }) => e.code)).toBe(
        'E_STORAGE',
      );
      expect(() => data.sent.record(A, '<during@acme.test>', 'Q2', 2000)).not.toThrow();
      await (data.sent as PgSentIndex).settled();
    } finally {
      await cluster.resume();
    }
    await waitFor(
      () => data.sent.find(A, ['<before@acme.test>']).catch(() => undefined),
      10_000,
      'the lookup after the resume',
    );
    expect(await data.sent.find(A, ['<before@acme.test>'])).toBe('Q1');
    // The write that failed is not remembered as done: the next attempt records it.
    data.sent.record(A, '<during@acme.test>', 'Q2', 3000);
    await recorded(data, A, '<during@acme.test>', 'Q2');
  });
});
