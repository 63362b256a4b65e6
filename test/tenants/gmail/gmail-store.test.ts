import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextUtcMidnight, openGmailStore, type GmailStore } from '../../../src/tenants/gmail/gmail-store.js';
import { storageAt } from '../../helpers/temp-storage.js';

const NOON = Date.UTC(2026, 10, 28, 12, 0, 0);

describe('Gmail store (LMDB)', () => {
  let dir: string;
  let store: GmailStore;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'postbode-gmail-'));
    store = openGmailStore(storageAt(dir));
  });
  afterAll(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('counts sends per link per UTC day and refuses at the limit until the next midnight', () => {
    expect(store.quota.take('T1:1', 2, NOON)).toEqual({ ok: true });
    expect(store.quota.take('T1:1', 2, NOON + 1)).toEqual({ ok: true });
    expect(store.quota.take('T1:1', 2, NOON + 2)).toEqual({ ok: false, resetAt: Date.UTC(2026, 10, 29) });
    expect(store.quota.sentToday('T1:1', NOON)).toBe(2);
    expect(store.quota.take('T1:2', 2, NOON)).toEqual({ ok: true }); // another link counts apart
    store.quota.giveBack('T1:1', NOON);
    expect(store.quota.sentToday('T1:1', NOON)).toBe(1);
    expect(store.quota.sentToday('T1:1', nextUtcMidnight(NOON))).toBe(0);
    expect(store.quota.take('T1:1', 1, nextUtcMidnight(NOON))).toEqual({ ok: true });
  });

  it('a state works once and not after it expires', async () => {
    await store.putState('s-1', { tenantId: 'T1', expiresAt: NOON + 1000, codeVerifier: 'v', dailyLimit: 5 }, NOON);
    await store.putState('s-2', { tenantId: 'T2', expiresAt: NOON + 1000, codeVerifier: 'v' }, NOON);
    expect(await store.takeState('s-1', NOON)).toEqual({
      tenantId: 'T1',
      expiresAt: NOON + 1000,
      codeVerifier: 'v',
      dailyLimit: 5,
    });
    expect(await store.takeState('s-1', NOON)).toBeUndefined();
    expect(await store.takeState('s-2', NOON + 1000)).toBeUndefined();
    expect(await store.takeState('s-2', NOON)).toBeUndefined(); // the expired attempt consumed it
    expect(await store.takeState('never', NOON)).toBeUndefined();
  });

  it('drops abandoned flows when a new one starts', async () => {
    await store.putState('old', { tenantId: 'T1', expiresAt: NOON + 10, codeVerifier: 'v' }, NOON);
    await store.putState('new', { tenantId: 'T1', expiresAt: NOON + 1000, codeVerifier: 'v' }, NOON + 10);
    expect(await store.takeState('old', NOON)).toBeUndefined(); // gone, although asked "before" its expiry
    expect(await store.takeState('new', NOON + 10)).toMatchObject({ tenantId: 'T1' });
  });

  it('updates and removes links in one transaction', async () => {
    const link = {
      address: 'a@gmail.test',
      refreshTokenSealed: 'v1:x',
      aliases: ['a@gmail.test'],
      aliasesAt: NOON,
      linkedAt: NOON,
    };
    await store.updateLink('T1', () => link);
    expect(store.link('T1')).toEqual(link);
    await store.updateLink('T1', (l) => (l ? { ...l, broken: { at: NOON, reason: 'r' } } : l));
    expect(store.link('T1')?.broken).toEqual({ at: NOON, reason: 'r' });
    await store.updateLink('T1', () => undefined);
    expect(store.link('T1')).toBeUndefined();
  });
});
