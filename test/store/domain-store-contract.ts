import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isGatewayError } from '../../src/core/gateway-error.js';
import { storeDomainDirectory } from '../../src/tenants/domains/domain-directory.js';
import type { DomainStore } from '../../src/tenants/domains/domain-store.js';
import { PLATFORM_OWNER, type DomainRecord, type DomainStatus } from '../../src/tenants/domains/domain-types.js';
import { waitFor } from '../helpers/wait-for.js';

export interface DomainStorePlace {
  /** Opens the store at this place (again: another process or node on the same data). */
  open(): DomainStore | Promise<DomainStore>;
  /** Closes what the place opened besides the stores, and removes what it left behind. */
  cleanup(): Promise<void>;
}

const record = (domain: string, tenantId: string, status: DomainStatus): DomainRecord => ({
  domain,
  tenantId,
  keySet: 'rsa',
  selectors: [],
  status,
  createdAt: 1,
});
const failure = (p: Promise<unknown>) => p.then(() => undefined).catch((err: unknown) => err);
const activate = (r: DomainRecord): DomainRecord => ({ ...r, status: 'active' });

/** The contract of a DomainStore (tenants/domains/domain-store.ts): claims per tenant, one owner. */
export function domainStoreContract(name: string, openPlace: () => Promise<DomainStorePlace>): void {
  describe(`DomainStore contract: ${name}`, () => {
    let place: DomainStorePlace;
    let store: DomainStore;
    beforeEach(async () => {
      place = await openPlace();
      store = await place.open();
    });
    afterEach(async () => {
      await store.close();
      await place.cleanup();
    });

    it("the first claim to leave pending owns the domain; the owner's removal (or purge) frees it", async () => {
      await store.insert(record('acme.test', 'T1', 'pending'));
      await store.insert(record('acme.test', 'T2', 'pending'));
      await store.update('acme.test', 'T2', (r) => ({ ...r, status: 'active' }));
      await expect(store.update('acme.test', 'T1', (r) => ({ ...r, status: 'active' }))).rejects.toMatchObject({
        code: 'E_NOT_AVAILABLE',
      });
      expect(store.get('acme.test', 'T1')?.status).toBe('pending');
      const directory = storeDomainDirectory(store, ['send.example.test']);
      expect([directory.isVerified('ACME.test', 'T2'), directory.isVerified('acme.test', 'T1')]).toEqual([true, false]);
      expect([
        directory.ownerOf('Acme.Test'),
        directory.ownerOf('send.example.test'),
        directory.ownerOf('other.test'),
      ]).toEqual(['T2', PLATFORM_OWNER, undefined]);
      expect(await store.removeAll('T2')).toBe(1);
      expect(store.ownerOf('acme.test')).toBeUndefined();
      await store.update('acme.test', 'T1', (r) => ({ ...r, status: 'active' }));
      expect(directory.ownerOf('acme.test')).toBe('T1');
    });

    it('keeps claims apart per tenant: another tenant cannot add an owned domain, nor one add it twice', async () => {
      await store.insert(record('acme.test', 'T1', 'active'));
      await store.insert(record('beta.test', 'T2', 'pending'));
      await store.insert(record('beta.test', 'T1', 'pending'));
      expect(isGatewayError(await failure(store.insert(record('acme.test', 'T2', 'pending'))), 'E_NOT_AVAILABLE')).toBe(
        true,
      );
      expect(isGatewayError(await failure(store.insert(record('beta.test', 'T1', 'pending'))), 'E_CONFLICT')).toBe(
        true,
      );
      expect(isGatewayError(await failure(store.update('acme.test', 'T2', activate)), 'E_NOT_FOUND')).toBe(true);
      expect(store.listFor('T2').map((r) => r.domain)).toEqual(['beta.test']);
      expect(store.listFor('T1').map((r) => r.domain)).toEqual(['acme.test', 'beta.test']);
      expect([store.get('acme.test')?.tenantId, store.get('beta.test')?.tenantId]).toEqual(['T1', 'T1']);
      expect(store.get('acme.test', 'T2')).toBeUndefined();
      expect(store.all(2).map((r) => `${r.domain}/${r.tenantId}`)).toEqual(['acme.test/T1', 'beta.test/T1']);
      expect([...store.tenantIds()].sort()).toEqual(['T1', 'T2']);
      expect(await store.remove('acme.test', 'T2')).toBe(false);
      expect(await store.remove('acme.test', 'T1')).toBe(true);
      expect(store.ownerOf('acme.test')).toBeUndefined();
      await store.insert(record('acme.test', 'T2', 'pending'));
    });

    it('lets one of two processes or nodes proving one domain at once own it, and keeps it on reopen', async () => {
      const other = await place.open();
      const tenants = ['T1', 'T2', 'T3', 'T4'];
      let owner: string | undefined;
      try {
        for (const t of tenants) await store.insert(record('race.test', t, 'pending'));
        const proofs = await Promise.allSettled(
          tenants.map((t, i) => (i % 2 ? other : store).update('race.test', t, activate)),
        );
        const lost = proofs.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(lost).toHaveLength(3);
        expect(lost.every((r) => isGatewayError(r.reason, 'E_NOT_AVAILABLE'))).toBe(true);
        owner = tenants[proofs.findIndex((r) => r.status === 'fulfilled')];
      } finally {
        await other.close();
      }
      // A proof won through the other node reaches this one's cache by notification, a moment later.
      await waitFor(() => store.ownerOf('race.test') === owner, 5_000, 'the owner in this store');
      expect(owner && store.get('race.test', owner)?.status).toBe('active');
      await store.close();
      store = await place.open();
      expect(store.ownerOf('race.test')).toBe(owner);
      expect(store.all(10).filter((r) => r.status === 'active')).toHaveLength(1);
    });
  });
}
