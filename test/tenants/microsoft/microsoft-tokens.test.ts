import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBrowserBinding } from '../../../src/tenants/gmail/browser-binding.js';
import { createMicrosoftLinks, type MicrosoftLinks } from '../../../src/tenants/microsoft/microsoft-link.js';
import { openMicrosoftStore, type MicrosoftStore } from '../../../src/tenants/microsoft/microsoft-store.js';
import { createGraphApi } from '../../../src/transports/microsoft/graph-api.js';
import { createIdentityPlatform } from '../../../src/transports/microsoft/identity-platform.js';
import { classifyMicrosoftError } from '../../../src/transports/microsoft/microsoft-errors.js';
import { createTokenSource } from '../../../src/transports/microsoft/token-source.js';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  startFakeMicrosoft,
  type FakeMailbox,
  type FakeMicrosoft,
} from '../../helpers/fake-microsoft.js';
import { storageAt } from '../../helpers/temp-storage.js';
import { waitFor } from '../../helpers/wait-for.js';

const SMTP_SCOPE = 'https://outlook.office.com/SMTP.Send';
const secrets = {
  seal: (p: string, c: string) => `sealed(${c}):${p}`,
  open: (s: string, c: string) => s.replace(`sealed(${c}):`, ''),
};

/**
 * The access-token source other code reuses (SMTP XOAUTH2 asks for another scope): tokens per
 * scope from the link's refresh token, cached, Microsoft's rotated refresh token sealed back into
 * the link, and a dead grant classified as a broken link.
 */
describe('Microsoft 365 access tokens of a link', () => {
  let dir: string;
  let store: MicrosoftStore;
  let fake: FakeMicrosoft;
  let links: MicrosoftLinks;
  const mailbox: FakeMailbox = { id: 'u-1', mail: 'owner@contoso.test', proxyAddresses: [] };
  const tokenForms = () =>
    fake.requests
      .filter((r) => r.path.endsWith('/token'))
      .map((r) => new URLSearchParams(r.body.toString()))
      .filter((f) => f.get('grant_type') === 'refresh_token');

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'postbode-ms-tokens-'));
    store = openMicrosoftStore(storageAt(dir));
    fake = await startFakeMicrosoft();
    const clock = () => Date.now();
    const identity = createIdentityPlatform({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      redirectUrl: 'http://127.0.0.1/oauth/microsoft/callback',
      authorityUrl: `${fake.url}/common`,
      timeoutMs: 2000,
    });
    let made: MicrosoftLinks | undefined;
    const tokens = createTokenSource({ identity, clock, onRotated: (k, t) => made?.rotated(k, t) });
    made = createMicrosoftLinks({
      store,
      identity,
      graph: createGraphApi({ graphUrl: fake.url, timeoutMs: 2000 }),
      tokens,
      secrets,
      clock,
      logger: pino({ level: 'silent' }),
      stateTtlMs: 60_000,
      binding: createBrowserBinding(Buffer.alloc(32, 9), false, { name: 'ms', path: '/oauth/microsoft' }),
      defaultDailyRecipientLimit: 10_000,
    });
    links = made;
    const started = await links.start('T1');
    const consent = new URL(started.consentUrl).searchParams;
    const cookie = started.setCookie.split(';')[0];
    await links.complete(fake.issueCode(mailbox, consent), consent.get('state') ?? '', cookie);
  });
  afterAll(async () => {
    await store.close();
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('gives a token for another scope the grant covers (SMTP.Send), and caches it', async () => {
    const first = await links.accessToken('T1', [SMTP_SCOPE]);
    expect(first).toMatch(/^eyJ0eXAi\.fake-access-/);
    expect(tokenForms().at(-1)?.get('scope')).toBe(SMTP_SCOPE);
    const calls = fake.count('token');
    expect(await links.accessToken('T1', [SMTP_SCOPE])).toBe(first);
    expect(fake.count('token')).toBe(calls);
  });

  it("seals Microsoft's rotated refresh token back into the link and uses it next", async () => {
    const rotated = fake.refreshTokens.at(-1) ?? '';
    // Stored in the background (an async write): the token source keeps it in memory meanwhile.
    const sealed = secrets.seal(rotated, 'tenant:T1:microsoft-refresh-token');
    await waitFor(() => store.link('T1')?.refreshTokenSealed === sealed || undefined);
    await links.accessToken('T1');
    expect(tokenForms().at(-1)?.get('refresh_token')).toBe(rotated);
  });

  it('classifies a dead grant as a broken link, and a throttled call as a deferral with its delay', async () => {
    fake.killRefreshTokens(mailbox.id);
    const err = await links.accessToken('T1', ['https://graph.microsoft.com/Mail.Read']).catch((e: unknown) => e);
    expect(classifyMicrosoftError(err, Date.now())).toMatchObject({
      kind: 'link-broken',
      reply: { code: 451, enhanced: '4.7.0' },
    });
    expect(classifyMicrosoftError(new TypeError('fetch failed'), 0)).toMatchObject({ kind: 'defer' });
  });

  it('refuses a token for a tenant without a working link', async () => {
    await expect(links.accessToken('T2')).rejects.toMatchObject({ code: 'E_CONFLICT' });
  });
});
