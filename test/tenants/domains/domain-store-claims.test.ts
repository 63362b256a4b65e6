import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDomainStore } from '../../../src/tenants/domains/domain-store.js';
import { PLATFORM_OWNER, type DomainRecord, type DomainStatus } from '../../../src/tenants/domains/domain-types.js';
import { storageAt } from '../../helpers/temp-storage.js';
import { domainStoreContract } from '../../store/domain-store-contract.js';

const record = (domain: string, tenantId: string, status: DomainStatus): DomainRecord => ({
  domain,
  tenantId,
  keySet: 'rsa',
  selectors: [],
  status,
  createdAt: 1,
});

describe('LMDB domain store: the upgrade from one record per domain', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'postbode-claims-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it(
    'moves records keyed by domain into claims; ' + "an active or failing one (and the platform's) becomes the owner",
    async () => {
      const old = open({ path: join(dir, 'domains'), maxDbs: 4 });
      const db = old.openDB<DomainRecord, string>({ name: 'domains', encoding: 'json' });
      await db.put('acme.test', record('acme.test', 'T1', 'active'));
      await db.put('beta.test', record('beta.test', 'T2', 'pending'));
      await db.put('gamma.test', record('gamma.test', 'T3', 'failing'));
      await db.put('send.example.test', record('send.example.test', PLATFORM_OWNER, 'active'));
      await old.close();

      const store = openDomainStore(storageAt(dir));
      try {
        expect(store.get('acme.test', 'T1')?.status).toBe('active');
        expect([
          store.ownerOf('acme.test'),
          store.ownerOf('beta.test'),
          store.ownerOf('gamma.test'),
          store.ownerOf('send.example.test'),
        ]).toEqual(['T1', undefined, 'T3', PLATFORM_OWNER]);
        await expect(store.insert(record('acme.test', 'T9', 'pending'))).rejects.toMatchObject({
          code: 'E_NOT_AVAILABLE',
        });
        await store.insert(record('beta.test', 'T9', 'pending'));
        expect(store.all(10).map((r) => `${r.domain}/${r.tenantId}`)).toEqual([
          'acme.test/T1',
          'beta.test/T2',
          'beta.test/T9',
          'gamma.test/T3',
          'send.example.test/_platform',
        ]);
      } finally {
        await store.close();
      }
      // Opening again migrates nothing twice.
      const again = openDomainStore(storageAt(dir));
      expect(again.all(10)).toHaveLength(5);
      await again.close();
    },
  );
});

domainStoreContract('LMDB (named databases, one environment)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'postbode-domains-'));
  return {
    open: () => openDomainStore(storageAt(dir)),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});
