import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MicrosoftLink, MicrosoftStore } from '../../src/tenants/microsoft/microsoft-store.js';
import { openPgMicrosoftStore } from '../../src/tenants/microsoft/pg-microsoft-store.js';
import { openPgGmailStore } from '../../src/tenants/gmail/pg-gmail-store.js';
import { pgNodes, type PgNodes } from '../helpers/pg-nodes.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { waitFor } from '../helpers/wait-for.js';

/** MicrosoftStore on one PostgreSQL database opened by two "nodes" (a pool each). */
let cluster: TestPostgres;
let nodes: PgNodes;
let a: MicrosoftStore;
let b: MicrosoftStore;
const NOON = Date.UTC(2026, 10, 28, 12);
const SEEN_WITHIN_MS = 1_000;

const link = (address: string): MicrosoftLink => ({
  address,
  userId: 'user-1',
  refreshTokenSealed: 'sealed:xyz',
  sendAs: [address],
  linkedAt: 7,
});

beforeAll(async () => {
  cluster = await startPostgres();
}, 30_000);
afterAll(async () => {
  await cluster?.stop();
});
beforeEach(async () => {
  nodes = await pgNodes(cluster);
  a = await openPgMicrosoftStore(nodes.node());
  b = await openPgMicrosoftStore(nodes.node());
});
afterEach(async () => {
  await a?.close();
  await b?.close();
  await nodes?.end();
});

describe('MicrosoftStore on PostgreSQL, two nodes', () => {
  it('a link made on node A is read on node B within a second; a Gmail store never sees it', async () => {
    const gmail = await openPgGmailStore(nodes.node());
    try {
      await a.updateLink('T1', () => link('facturen@contoso.test'));
      await waitFor(() => b.link('T1') !== undefined, SEEN_WITHIN_MS, 'the link on node B');
      expect(b.link('T1')).toEqual(link('facturen@contoso.test'));
      expect(gmail.link('T1')).toBeUndefined();
      await b.updateLink('T1', () => undefined);
      await waitFor(() => a.link('T1') === undefined, SEEN_WITHIN_MS, 'no link on node A');
    } finally {
      await gmail.close();
    }
  });

  it('a state issued on node A is taken once across both nodes', async () => {
    await a.putState('st', { tenantId: 'T1', expiresAt: NOON + 1000, codeVerifier: 'v' }, NOON);
    const taken = await Promise.all([a.takeState('st', NOON), b.takeState('st', NOON)]);
    expect(taken.filter((t) => t !== undefined)).toHaveLength(1);
    expect(await b.takeState('st', NOON)).toBeUndefined();
  });

  it('counts recipients against the daily limit across both nodes, saying how many were used', async () => {
    const key = 'T1:7';
    expect(await a.quota.take(key, 4, 10, NOON)).toEqual({ ok: true });
    expect(await b.quota.take(key, 4, 10, NOON)).toEqual({ ok: true });
    expect(await a.quota.take(key, 3, 10, NOON)).toEqual({ ok: false, resetAt: Date.UTC(2026, 10, 29), used: 8 });
    expect(await b.quota.take(key, 2, 10, NOON)).toEqual({ ok: true });
    expect(b.quota.sentToday(key, NOON)).toBe(10);
    await a.quota.giveBack(key, 2, NOON);
    expect(a.quota.sentToday(key, NOON)).toBe(8);
    expect(await b.quota.take(key, 11, 10, NOON)).toMatchObject({ ok: false, used: 8 });
  });
});
