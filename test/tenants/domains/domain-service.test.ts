import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolverFor } from '../../../src/mailauth/dns-lookup.js';
import { storeDomainDirectory } from '../../../src/tenants/domains/domain-directory.js';
import { dueForRecheck, startRecheck } from '../../../src/tenants/domains/domain-recheck.js';
import { createDomainService, type DomainService } from '../../../src/tenants/domains/domain-service.js';
import { openDomainStore, type DomainStore } from '../../../src/tenants/domains/domain-store.js';
import { PLATFORM_OWNER } from '../../../src/tenants/domains/domain-types.js';
import { recordsToPublish } from '../../../src/tenants/domains/domain-view.js';
import { createSecretBox } from '../../../src/secrets/secret-box.js';
import { startDnsServer, type DnsTestServer } from '../../helpers/dns-server.js';
import { waitFor } from '../../helpers/wait-for.js';
import { storageAt } from '../../helpers/temp-storage.js';

const logger = pino({ level: 'silent' });
const INCLUDE = '_spf.send.postbode.test';

describe('domain service over LMDB and a local DNS server', () => {
  let dir: string;
  let dns: DnsTestServer;
  let store: DomainStore;
  let service: DomainService;
  let now = 1_800_000_000_000;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'postbode-domains-'));
    dns = await startDnsServer({ [INCLUDE]: { TXT: [['v=spf1 ip4:127.0.0.1 -all']] } });
    store = openDomainStore(storageAt(dir));
    service = createDomainService({
      store,
      sealer: createSecretBox(Buffer.alloc(32, 7)),
      resolver: resolverFor(dns.address),
      spfInclude: INCLUDE,
      dmarcReportAddress: 'dmarc@postbode.test',
      rotationGraceMs: 5000,
      clock: () => now,
      logger,
    });
  });
  afterEach(async () => {
    await store.close();
    await dns.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function activate(tenantId: string, domain: string): Promise<void> {
    const added = await service.add(tenantId, domain);
    for (const r of recordsToPublish(added)) if (r.action !== 'keep') dns.set(r.name, { TXT: [r.valueChunks] });
    expect((await service.check(tenantId, domain)).status).toBe('active');
  }

  it('one claim per tenant and domain (pending claims block nobody); names are validated and lower-cased', async () => {
    const added = await service.add('T1', 'Acme.Test.');
    expect(added.domain).toBe('acme.test');
    expect(added.selectors[0]!.privateKeySealed).toMatch(/^v1\./);
    expect((await service.add('T2', 'acme.test')).status).toBe('pending');
    await expect(service.add('T1', 'acme.test')).rejects.toMatchObject({ code: 'E_CONFLICT' });
    await expect(service.add('T1', 'no_domain')).rejects.toMatchObject({ code: 'E_INVALID' });
    expect((await service.add('T1', 'Bücher.test')).domain).toBe('xn--bcher-kva.test');
    await expect(service.add('T1', 'xn--bcher-kva.test')).rejects.toMatchObject({ code: 'E_CONFLICT' });
    expect(() => service.get('T3', 'acme.test')).toThrow(/no domain/);
    expect(service.list('T3')).toEqual([]);
    await expect(service.remove('T3', 'acme.test')).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
  });

  it('isVerified and signing keys only for the owner, only while active', async () => {
    const directory = storeDomainDirectory(store);
    await service.add('T1', 'acme.test');
    expect(directory.isVerified('acme.test', 'T1')).toBe(false);
    expect(service.tenantKeys('T1', 'acme.test')).toEqual([]);
    dns.set('acme.test', undefined);
    const record = store.get('acme.test')!;
    for (const r of recordsToPublish(record)) if (r.action !== 'keep') dns.set(r.name, { TXT: [r.valueChunks] });
    await service.check('T1', 'acme.test');
    expect(directory.isVerified('ACME.test', 'T1')).toBe(true);
    expect(directory.isVerified('acme.test', 'T2')).toBe(false);
    expect(service.tenantKeys('T1', 'acme.test')[0]?.privateKeyPem).toContain('BEGIN PRIVATE KEY');
    expect(service.tenantKeys('T2', 'acme.test')).toEqual([]);
    await service.remove('T1', 'acme.test');
    expect(directory.isVerified('acme.test', 'T1')).toBe(false);
  });

  it('the platform key is made once, under the reserved owner, and signs at once', async () => {
    const first = await service.ensurePlatformKey('send.postbode.test');
    const again = await service.ensurePlatformKey('send.postbode.test');
    expect(first?.tenantId).toBe(PLATFORM_OWNER);
    expect(again?.selectors[0]?.selector).toBe(first?.selectors[0]?.selector);
    expect(service.platformKeys('send.postbode.test')).toHaveLength(1);
    expect(service.platformKeys(null)).toEqual([]);
    await activate('T1', 'acme.test');
    expect(await service.ensurePlatformKey('acme.test')).toBeUndefined();
    expect(service.platformKeys('acme.test')).toEqual([]);
  });

  it(
    're-check: only tenant domains that are active or failing, longest-unchecked first, bounded; vanished records ' +
      '→ failing',
    async () => {
      await activate('T1', 'acme.test');
      now += 10;
      await activate('T2', 'beta.test');
      await service.add('T3', 'pending.test');
      await service.ensurePlatformKey('send.postbode.test');
      expect(dueForRecheck(store, 10).map((r) => r.domain)).toEqual(['acme.test', 'beta.test']);
      expect(dueForRecheck(store, 1).map((r) => r.domain)).toEqual(['acme.test']);

      const selector = store.get('acme.test')!.selectors[0]!.selector;
      dns.set(`${selector}._domainkey.acme.test`, undefined);
      const recheck = startRecheck({ store, check: (t, d) => service.check(t, d), everyMs: 0, logger });
      expect(await recheck.runOnce()).toBe(2);
      await recheck.stop();
      expect(store.get('acme.test')?.status).toBe('failing');
      expect(store.get('beta.test')?.status).toBe('active');
      expect(storeDomainDirectory(store).isVerified('acme.test', 'T1')).toBe(false);
    },
  );

  it('the re-check timer runs by itself and survives a failing check', async () => {
    await activate('T1', 'acme.test');
    const seen: string[] = [];
    const recheck = startRecheck({
      store,
      everyMs: 20,
      logger,
      check: async (_t, d) => {
        seen.push(d);
        throw new Error('boom');
      },
    });
    await waitFor(() => seen.length >= 2, 8_000, 'two timed re-checks');
    await recheck.stop();
    expect(seen.length).toBeGreaterThanOrEqual(2);
  });
});
