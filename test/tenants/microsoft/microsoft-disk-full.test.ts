import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGatewayError } from '../../../src/core/gateway-error.js';
import { createBrowserBinding } from '../../../src/tenants/gmail/browser-binding.js';
import { createMicrosoftLinks } from '../../../src/tenants/microsoft/microsoft-link.js';
import { openMicrosoftStore, type MicrosoftStore } from '../../../src/tenants/microsoft/microsoft-store.js';
import { createGraphApi } from '../../../src/transports/microsoft/graph-api.js';
import { createIdentityPlatform } from '../../../src/transports/microsoft/identity-platform.js';
import { createTokenSource } from '../../../src/transports/microsoft/token-source.js';
import { CLIENT_ID, CLIENT_SECRET, startFakeMicrosoft, type FakeMicrosoft } from '../../helpers/fake-microsoft.js';
import { storageAt } from '../../helpers/temp-storage.js';
import { mountTmpfs, type Tmpfs } from '../../helpers/tmpfs.js';
import { expectNothingFor } from '../../helpers/wait-for.js';

/**
 * Completing a Microsoft 365 link on a real, full 4 MB tmpfs (needs root to mount): the store
 * write fails as E_STORAGE_FULL (the callback page answers 507 and says so), nothing half-linked,
 * never a hang or an unhandled rejection.
 */
describe('Microsoft 365 link on a full disk', () => {
  let base: string;
  let disk: Tmpfs;
  let store: MicrosoftStore | undefined;
  let fake: FakeMicrosoft;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'postbode-ms-full-'));
    disk = mountTmpfs(join(base, 'mnt'), '4m');
    fake = await startFakeMicrosoft();
    process.on('unhandledRejection', onUnhandled);
  });
  afterAll(async () => {
    await store?.close().catch(() => undefined);
    await fake.close();
    process.off('unhandledRejection', onUnhandled);
    disk.unmount();
    await rm(base, { recursive: true, force: true });
  });

  it('fails completing with E_STORAGE_FULL and stores no link', async (ctx) => {
    if (disk.error) ctx.skip(`needs root to mount a 4 MB tmpfs (mount failed: ${disk.error})`);
    store = openMicrosoftStore(storageAt(join(disk.path, 'data')));
    const clock = () => Date.now();
    const identity = createIdentityPlatform({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      redirectUrl: 'http://127.0.0.1/oauth/microsoft/callback',
      authorityUrl: `${fake.url}/common`,
      timeoutMs: 2000,
    });
    const links = createMicrosoftLinks({
      store,
      identity,
      graph: createGraphApi({ graphUrl: fake.url, timeoutMs: 2000 }),
      tokens: createTokenSource({ identity, clock }),
      secrets: { seal: (p) => `sealed:${p}`, open: (s) => s.slice(7) },
      clock,
      logger: pino({ level: 'silent' }),
      stateTtlMs: 60_000,
      binding: createBrowserBinding(Buffer.alloc(32, 3), false, { name: 'ms', path: '/oauth/microsoft' }),
      defaultDailyRecipientLimit: 10_000,
    });
    const started = await links.start('T1');
    const consent = new URL(started.consentUrl).searchParams;
    const code = fake.issueCode({ id: 'u-1', mail: 'owner@contoso.test', proxyAddresses: [] }, consent);
    // Fill what is left of the disk, 64 KiB at a time, until the file system refuses.
    for (let n = 0; n < 128; n++) {
      const full = await writeFile(join(disk.path, `filler-${n}`), Buffer.alloc(64 * 1024, 1)).then(
        () => false,
        () => true,
      );
      if (full) break;
    }
    const failure = await links
      .complete(code, consent.get('state') ?? '', started.setCookie.split(';')[0])
      .catch((err: unknown) => err);
    expect(isGatewayError(failure, 'E_STORAGE_FULL')).toBe(true);
    expect(store.link('T1')).toBeUndefined();
    await expectNothingFor(50, () => unhandled.length === 0, 'no unhandled rejection');
    expect(unhandled).toEqual([]);
  });
});
