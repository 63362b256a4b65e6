import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { GmailLink, GmailStore } from '../../src/tenants/gmail/gmail-store.js';
import { openPgGmailStore } from '../../src/tenants/gmail/pg-gmail-store.js';
import { pgNodes, type PgNodes } from '../helpers/pg-nodes.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { expectNothingFor, waitFor } from '../helpers/wait-for.js';

/** GmailStore on one PostgreSQL database opened by two "nodes" (a pool each), as two gateways would. */
let cluster: TestPostgres;
let nodes: PgNodes;
let a: GmailStore;
let b: GmailStore;
const NOON = Date.UTC(2026, 10, 28, 12);
/** A link made on one node reaches the other within this (the brief's second, with room for a loaded CI). */
const SEEN_WITHIN_MS = 1_000;

const link = (address: string, linkedAt = 5): GmailLink => ({
  address,
  refreshTokenSealed: 'sealed:abc',
  aliases: [address],
  aliasesAt: 1,
  linkedAt,
});

beforeAll(async () => {
  cluster = await startPostgres();
}, 30_000);
afterAll(async () => {
  await cluster?.stop();
});
beforeEach(async () => {
  nodes = await pgNodes(cluster);
  a = await openPgGmailStore(nodes.node());
  b = await openPgGmailStore(nodes.node());
});
afterEach(async () => {
  await a?.close();
  await b?.close();
  await nodes?.end();
});

describe('GmailStore on PostgreSQL, two nodes', () => {
  it('a link made on node A is read on node B within a second, and so is its removal', async () => {
    await a.updateLink('T1', () => link('boekhouding@gmail.test'));
    expect(a.link('T1')?.address).toBe('boekhouding@gmail.test');
    await waitFor(() => b.link('T1') !== undefined, SEEN_WITHIN_MS, 'the link on node B');
    expect(b.link('T1')).toEqual(link('boekhouding@gmail.test'));

    await b.updateLink('T1', (current) =>
      current ? { ...current, broken: { at: 9, reason: 'invalid_grant' } } : current,
    );
    await waitFor(() => a.link('T1')?.broken !== undefined, SEEN_WITHIN_MS, 'the broken link on node A');
    await a.updateLink('T1', () => undefined);
    await waitFor(() => b.link('T1') === undefined, SEEN_WITHIN_MS, 'no link on node B');
    expect(await a.tenantIds()).toEqual(new Set());
  });

  it('a new node loads the links made before it opened', async () => {
    await a.updateLink('T1', () => link('one@gmail.test'));
    const late = await openPgGmailStore(nodes.node());
    try {
      expect(late.link('T1')?.address).toBe('one@gmail.test');
      expect(late.link('T2')).toBeUndefined();
    } finally {
      await late.close();
    }
  });

  it('updates of one link from both nodes at once all apply (none is lost)', async () => {
    await a.updateLink('T1', () => ({ ...link('x@gmail.test'), aliases: [] }));
    const addAlias = (store: GmailStore, alias: string) =>
      store.updateLink('T1', (current) => (current ? { ...current, aliases: [...current.aliases, alias] } : current));
    await Promise.all([
      ...['a1', 'a2', 'a3'].map((x) => addAlias(a, x)),
      ...['b1', 'b2', 'b3'].map((x) => addAlias(b, x)),
    ]);
    const all = ['a1', 'a2', 'a3', 'b1', 'b2', 'b3'];
    // Each node's cache ends on the last write, whichever node made it and in whatever order the commits came.
    for (const store of [a, b])
      await waitFor(() => store.link('T1')?.aliases.length === 6, SEEN_WITHIN_MS, 'six aliases on each node');
    expect([...(a.link('T1')?.aliases ?? [])].sort()).toEqual(all);
    expect([...(b.link('T1')?.aliases ?? [])].sort()).toEqual(all);
    await expectNothingFor(200, () => a.link('T1')?.aliases.length === 6 && b.link('T1')?.aliases.length === 6);
  });

  it('a state issued on node A is taken once, on whichever node, and never after it expired', async () => {
    await a.putState('s-1', { tenantId: 'T1', expiresAt: NOON + 1000, codeVerifier: 'v', dailyLimit: 5 }, NOON);
    const taken = await Promise.all([b.takeState('s-1', NOON), a.takeState('s-1', NOON), b.takeState('s-1', NOON)]);
    expect(taken.filter((t) => t !== undefined)).toEqual([
      { tenantId: 'T1', expiresAt: NOON + 1000, codeVerifier: 'v', dailyLimit: 5 },
    ]);
    expect(await b.takeState('s-1', NOON)).toBeUndefined();

    await a.putState('s-2', { tenantId: 'T1', expiresAt: NOON + 1000, codeVerifier: 'v' }, NOON);
    expect(await b.takeState('s-2', NOON + 1000)).toBeUndefined();
    expect(await a.takeState('s-2', NOON)).toBeUndefined(); // the expired attempt consumed it
    expect(await b.takeState('never', NOON)).toBeUndefined();
  });

  it('stores a state by its hash only, and drops abandoned flows when a new one starts', async () => {
    await a.putState('old-state-secret', { tenantId: 'T1', expiresAt: NOON + 10, codeVerifier: 'v' }, NOON);
    const { rows } = await nodes
      .node()
      .query<{ text: string }>('SELECT row_to_json(s)::text AS text FROM mailbox_link_states s');
    expect(rows).toHaveLength(1);
    expect(rows[0]?.text).not.toContain('old-state-secret');
    await b.putState('new', { tenantId: 'T1', expiresAt: NOON + 1000, codeVerifier: 'v' }, NOON + 10);
    expect(await a.takeState('old-state-secret', NOON)).toBeUndefined(); // gone, although asked "before" its expiry
    expect(await a.takeState('new', NOON + 10)).toMatchObject({ tenantId: 'T1' });
  });

  it('a daily limit of 3 holds across both nodes: of 5 sends over both, 3 are counted', async () => {
    const key = 'T1:5';
    const results = await Promise.all([a, b, a, b, a].map((store, i) => store.quota.take(key, 3, NOON + i)));
    expect(results.filter((r) => r.ok)).toHaveLength(3);
    expect(results.filter((r) => !r.ok)).toEqual(
      Array.from({ length: 2 }, () => ({ ok: false, resetAt: Date.UTC(2026, 10, 29) })),
    );
    await b.quota.take(key, 3, NOON); // refused: still 3
    expect(b.quota.sentToday(key, NOON)).toBe(3);
    await a.quota.giveBack(key, NOON);
    expect(await b.quota.take(key, 3, NOON)).toEqual({ ok: true });
    expect(await a.quota.take(key, 3, NOON)).toMatchObject({ ok: false });
    expect(a.quota.sentToday(key, NOON)).toBe(3);
    expect(await a.quota.take(key, 3, Date.UTC(2026, 10, 29, 1))).toEqual({ ok: true }); // a new UTC day
    expect(await a.quota.take('T1:6', 3, NOON)).toEqual({ ok: true }); // another link counts apart
  });

  it("forgetting a tenant drops its counts and flows on every node, not another tenant's", async () => {
    await a.quota.take('T1:5', 10, NOON);
    await b.quota.take('T2:5', 10, NOON);
    await a.putState('state-T1', { tenantId: 'T1', expiresAt: NOON + 1000, codeVerifier: 'v' }, NOON);
    await a.putState('state-T2', { tenantId: 'T2', expiresAt: NOON + 1000, codeVerifier: 'v' }, NOON);
    await a.updateLink('T3', () => link('t3@gmail.test'));
    await waitFor(() => b.link('T3') !== undefined, SEEN_WITHIN_MS, 'the link on node B');
    expect(await b.tenantIds()).toEqual(new Set(['T1', 'T2', 'T3']));
    expect(await b.forgetCounts('T1')).toBe(2);
    expect(await a.takeState('state-T1', NOON)).toBeUndefined();
    expect(await a.takeState('state-T2', NOON)).toMatchObject({ tenantId: 'T2' });
    expect(b.quota.sentToday('T2:5', NOON)).toBe(1);
    expect(await a.tenantIds()).toEqual(new Set(['T2', 'T3']));
  });
});

describe('GmailStore on PostgreSQL while the database is down', () => {
  it('writes fail with E_STORAGE and change nothing, links are still read; all works after resume', async () => {
    await a.updateLink('T1', () => link('kept@gmail.test'));
    await waitFor(() => b.link('T1') !== undefined, SEEN_WITHIN_MS, 'the link on node B');
    await cluster.halt();
    try {
      await expect(a.updateLink('T1', () => undefined)).rejects.toMatchObject({ code: 'E_STORAGE' });
      await expect(a.updateLink('T2', () => link('new@gmail.test'))).rejects.toMatchObject({ code: 'E_STORAGE' });
      await expect(b.takeState('s', NOON)).rejects.toMatchObject({ code: 'E_STORAGE' });
      await expect(b.quota.take('T1:5', 3, NOON)).rejects.toMatchObject({ code: 'E_STORAGE' });
      await b.quota.giveBack('T1:5', NOON); // reported, never thrown: the send's outcome stands
      expect(a.link('T1')?.address).toBe('kept@gmail.test');
      expect(b.link('T1')?.address).toBe('kept@gmail.test');
      expect(a.link('T2')).toBeUndefined();
    } finally {
      await cluster.resume();
    }
    await waitFor(
      async () => (await a.updateLink('T2', () => link('new@gmail.test')).catch(() => undefined)) !== undefined,
      15_000,
      'a write after resume',
    );
    // B's listener reconnects and reloads: it sees the link made after the outage.
    await waitFor(() => b.link('T2') !== undefined, 15_000, 'the new link on node B after its reconnect');
    expect(b.link('T1')?.address).toBe('kept@gmail.test');
    expect(await b.quota.take('T1:5', 3, NOON)).toEqual({ ok: true });
  }, 60_000);
});
