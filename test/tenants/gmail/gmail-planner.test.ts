import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createBrowserBinding } from '../../../src/tenants/gmail/browser-binding.js';
import { createGmailLinks } from '../../../src/tenants/gmail/gmail-link.js';
import { createGmailPlanner, NOT_LINKED_REPLY } from '../../../src/tenants/gmail/gmail-planner.js';
import { gmailTokenContext, openGmailStore, type GmailStore } from '../../../src/tenants/gmail/gmail-store.js';
import type { GoogleApi, OAuthClient } from '../../../src/transports/gmail/google-api.js';
import { replyOf, replyMatching } from '../../helpers/smtp-replies.js';
import { storageAt } from '../../helpers/temp-storage.js';

const DAY = 24 * 3600_000;
const T0 = Date.UTC(2026, 10, 28, 12, 0, 0);
const secrets = {
  seal: (p: string, c: string) => `sealed(${c}):${p}`,
  open: (s: string, c: string) => s.replace(`sealed(${c}):`, ''),
};

describe('Gmail planner and alias refresh', () => {
  let dir: string;
  let store: GmailStore;
  let now = T0;
  let sendAs: () => Promise<string[]> = async () => ['owner@gmail.test', 'facturen@acme.test', 'nieuw@acme.test'];
  const refreshedWith: string[] = [];
  const api = {
    urls: [],
    client: (rt?: string) => {
      refreshedWith.push(rt ?? '');
      return {} as OAuthClient;
    },
    sendAs: () => sendAs(),
  } as unknown as GoogleApi;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'postbode-gmail-plan-'));
    store = openGmailStore(storageAt(dir));
  });
  afterAll(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    now = T0;
    await store.updateLink('T1', () => undefined);
  });

  const links = () =>
    createGmailLinks({
      store,
      api,
      secrets,
      clock: () => now,
      logger: pino({ level: 'silent' }),
      stateTtlMs: 60_000,
      defaultDailyLimit: 2000,
      binding: createBrowserBinding(Buffer.alloc(32, 7), false),
    });
  const link = (over = {}) =>
    store.updateLink('T1', () => ({
      address: 'owner@gmail.test',
      refreshTokenSealed: secrets.seal('rt-1', gmailTokenContext('T1')),
      aliases: ['owner@gmail.test', 'facturen@acme.test'],
      aliasesAt: T0,
      linkedAt: T0,
      ...over,
    }));

  it('defers without a link, and with a broken one says re-link needed', async () => {
    const plan = createGmailPlanner(store, links());
    await expect(plan('T1', undefined, undefined)).rejects.toMatchObject({ reply: NOT_LINKED_REPLY });
    await link({
      broken: { at: T0, reason: '451 4.7.0 Gmail link broken: re-link needed (Google: invalid_grant, x)' },
    });
    await expect(plan('T1', undefined, undefined)).rejects.toMatchObject({
      reply: replyOf('451 4.7.0 Gmail link broken: re-link needed (Google: invalid_grant, x)'),
    });
  });

  it(
    'picks the From: own address, else an aliased legacy From, ' + 'else the account; opens the token for the route',
    async () => {
      await link();
      const plan = createGmailPlanner(store, links());
      expect((await plan('T1', 'set@elders.test', 'facturen@acme.test')).from).toBe('set@elders.test');
      expect((await plan('T1', undefined, 'Facturen@acme.test')).from).toBe('Facturen@acme.test');
      const fallback = await plan('T1', undefined, 'noreply@software.test');
      expect(fallback.from).toBe('owner@gmail.test');
      expect(fallback.route).toEqual({
        kind: 'gmail',
        key: `T1:${T0}`,
        owner: 'T1',
        account: {
          address: 'owner@gmail.test',
          aliases: ['owner@gmail.test', 'facturen@acme.test'],
          refreshToken: 'rt-1',
          dailyLimit: 2000,
        },
      });
    },
  );

  it('reads the aliases again once they are a day old, and keeps them in the link', async () => {
    await link();
    const plan = createGmailPlanner(store, links());
    now = T0 + DAY - 1;
    expect((await plan('T1', undefined, undefined)).route).toMatchObject({
      account: { aliases: ['owner@gmail.test', 'facturen@acme.test'] },
    });
    expect(refreshedWith).toEqual([]);
    now = T0 + DAY;
    expect((await plan('T1', undefined, 'nieuw@acme.test')).from).toBe('nieuw@acme.test');
    expect(refreshedWith).toEqual(['rt-1']);
    expect(store.link('T1')).toMatchObject({
      aliasesAt: T0 + DAY,
      aliases: ['owner@gmail.test', 'facturen@acme.test', 'nieuw@acme.test'],
    });
  });

  it('invalid_grant while refreshing the aliases marks the link broken and defers', async () => {
    await link();
    sendAs = async () => {
      throw Object.assign(new Error('bad'), {
        response: {
          status: 400,
          data: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' },
        },
      });
    };
    now = T0 + 2 * DAY;
    const plan = createGmailPlanner(store, links());
    await expect(plan('T1', undefined, undefined)).rejects.toMatchObject({
      reply: replyMatching(/^451 4\.7\.0 Gmail link broken: re-link needed/),
    });
    expect(links().status('T1')).toMatchObject({
      status: 'broken',
      brokenReason: expect.stringMatching(/^Gmail link broken: re-link needed/),
    });
  });
});
