import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/core/clock.js';
import { isGatewayError } from '../../src/core/gateway-error.js';
import { isQueueId } from '../../src/core/ids.js';
import type { NewTenant, TenantStore } from '../../src/tenants/lmdb-tenant-store.js';

export interface TenantStorePlace {
  /** Opens the store at this place (again: another process or node on the same data). */
  open(opts?: { readonly clock?: Clock }): TenantStore | Promise<TenantStore>;
  /** Closes what the place opened besides the stores, and removes what it left behind. */
  cleanup(): Promise<void>;
}

function input(overrides: Partial<NewTenant> = {}): NewTenant {
  return {
    name: 'Acme',
    smtpUsername: 'acme',
    smtpPasswordHash: 'scrypt$hash-1',
    allowedIps: [],
    allowPlaintextAuth: false,
    ...overrides,
  };
}

/** The contract of a TenantStore (tenants/lmdb-tenant-store.ts), for every engine. */
export function tenantStoreContract(name: string, openPlace: () => Promise<TenantStorePlace>): void {
  describe(`TenantStore contract: ${name}`, () => {
    let place: TenantStorePlace;
    let store: TenantStore;
    let now: number;

    beforeEach(async () => {
      now = 1_700_000_000_000;
      place = await openPlace();
      store = await place.open({ clock: () => now });
    });

    afterEach(async () => {
      await store.close();
      await place.cleanup();
    });

    it('creates and reads a tenant by id and by user name in any letter case', async () => {
      const t = await store.create(input({ smtpUsername: 'Acme.Facturen', allowedIps: ['10.0.0.0/24'] }));
      expect(isQueueId(t.id)).toBe(true);
      expect(t).toMatchObject({
        name: 'Acme',
        smtpUsername: 'Acme.Facturen',
        credentialsVersion: 1,
        createdAt: now,
        updatedAt: now,
      });
      expect(await store.byId(t.id)).toEqual(t);
      expect(await store.bySmtpUsername('acme.facturen')).toEqual(t);
      expect(await store.bySmtpUsername('ACME.FACTUREN')).toEqual(t);
      expect(await store.bySmtpUsername('other')).toBeUndefined();
      expect(await store.byId('01ARZ3NDEKTSV4RRFFQ69G5FAV')).toBeUndefined();
    });

    it('refuses a second tenant with the same user name in another letter case', async () => {
      await store.create(input({ smtpUsername: 'acme' }));
      const err = await store.create(input({ smtpUsername: 'ACME' })).catch((e: unknown) => e);
      expect(isGatewayError(err, 'E_TENANT_EXISTS')).toBe(true);
      expect((await store.list({ limit: 10 })).length).toBe(1);
    });

    it('lets exactly one of many concurrent creates of one user name win', async () => {
      const other = await place.open();
      try {
        const attempts = Array.from({ length: 20 }, (_, i) =>
          (i % 2 === 0 ? store : other).create(input({ smtpUsername: i % 3 ? 'same' : 'SAME' })),
        );
        const results = await Promise.allSettled(attempts);
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost.every((r) => isGatewayError(r.reason, 'E_TENANT_EXISTS'))).toBe(true);
        expect(await store.list({ limit: 100 })).toHaveLength(1);
      } finally {
        await other.close();
      }
    });

    it('updates fields, moves the user name and bumps credentialsVersion only for credentials', async () => {
      const t = await store.create(input());
      now += 1000;
      const renamed = await store.update(t.id, {
        name: 'Acme BV',
        allowedIps: ['10.1.0.0/16'],
        allowPlaintextAuth: true,
      });
      expect(renamed).toMatchObject({
        name: 'Acme BV',
        credentialsVersion: 1,
        createdAt: t.createdAt,
        updatedAt: now,
        smtpUsername: 'acme',
      });
      const moved = await store.update(t.id, { smtpUsername: 'acme2', smtpPasswordHash: 'scrypt$hash-2' });
      expect(moved.credentialsVersion).toBe(2);
      expect(await store.bySmtpUsername('acme')).toBeUndefined();
      expect((await store.bySmtpUsername('acme2'))?.smtpPasswordHash).toBe('scrypt$hash-2');
      expect(await store.byAllowedIp('10.1.2.3')).toMatchObject({ id: t.id });
      const kept = await store.update(t.id, { smtpUsername: 'ACME2' });
      expect(kept.smtpUsername).toBe('ACME2');
    });

    it('refuses an update to a taken user name and leaves both tenants as they were', async () => {
      const a = await store.create(input({ smtpUsername: 'a' }));
      const b = await store.create(input({ smtpUsername: 'b', allowedIps: ['10.0.0.2'] }));
      const err = await store.update(b.id, { smtpUsername: 'A', allowedIps: ['10.0.0.3'] }).catch((e: unknown) => e);
      expect(isGatewayError(err, 'E_TENANT_EXISTS')).toBe(true);
      expect(await store.byId(b.id)).toEqual(b);
      expect(await store.bySmtpUsername('b')).toEqual(b);
      expect(await store.bySmtpUsername('a')).toEqual(a);
      expect(await store.byAllowedIp('10.0.0.2')).toEqual(b);
      expect(await store.byAllowedIp('10.0.0.3')).toBeUndefined();
    });

    it('fails to update an unknown tenant', async () => {
      const err = await store.update('nope', { name: 'x' }).catch((e: unknown) => e);
      expect(isGatewayError(err, 'E_TENANT_UNKNOWN')).toBe(true);
    });

    it('deletes a tenant with its indexes', async () => {
      const t = await store.create(input({ allowedIps: ['10.0.0.1'] }));
      expect(await store.delete(t.id)).toBe(true);
      expect(await store.delete(t.id)).toBe(false);
      expect(await store.byId(t.id)).toBeUndefined();
      expect(await store.bySmtpUsername('acme')).toBeUndefined();
      expect(await store.byAllowedIp('10.0.0.1')).toBeUndefined();
      expect((await store.create(input())).smtpUsername).toBe('acme'); // the name is free again
    });

    it('lists in creation order with limit and after', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        now += 1;
        ids.push((await store.create(input({ smtpUsername: `u${i}` }))).id);
      }
      expect((await store.list({ limit: 2 })).map((t) => t.id)).toEqual(ids.slice(0, 2));
      expect((await store.list({ limit: 2, after: ids[1] })).map((t) => t.id)).toEqual(ids.slice(2, 4));
      expect(await store.list({ limit: 10, after: ids[4] })).toEqual([]);
      expect(await store.list({ limit: 0 })).toEqual([]);
    });

    it('finds the tenant by allowed IP, CIDR v4 and v6 and IPv4-mapped, preferring the narrowest range', async () => {
      const wide = await store.create(input({ smtpUsername: 'wide', allowedIps: ['10.0.0.0/8', '2001:db8::/32'] }));
      const narrow = await store.create(input({ smtpUsername: 'narrow', allowedIps: ['10.20.0.0/16'] }));
      const exact = await store.create(input({ smtpUsername: 'exact', allowedIps: ['10.20.30.40', '2001:db8:1::5'] }));
      expect((await store.byAllowedIp('10.1.1.1'))?.id).toBe(wide.id);
      expect((await store.byAllowedIp('10.20.1.1'))?.id).toBe(narrow.id);
      expect((await store.byAllowedIp('10.20.30.40'))?.id).toBe(exact.id);
      expect((await store.byAllowedIp('::ffff:10.20.30.40'))?.id).toBe(exact.id);
      expect((await store.byAllowedIp('::ffff:10.20.9.9'))?.id).toBe(narrow.id);
      expect((await store.byAllowedIp('2001:db8:1::5'))?.id).toBe(exact.id);
      expect((await store.byAllowedIp('2001:db8:2::5'))?.id).toBe(wide.id);
      expect(await store.byAllowedIp('192.168.1.1')).toBeUndefined();
      expect(await store.byAllowedIp('2001:db9::1')).toBeUndefined();
      expect(await store.byAllowedIp('garbage')).toBeUndefined();
      // A range written with host bits, and one written over IPv4-mapped IPv6, hold what they say.
      const odd = await store.create(
        input({ smtpUsername: 'odd', allowedIps: ['172.16.9.9/16', '::ffff:192.0.2.0/120', 'not-an-ip'] }),
      );
      expect((await store.byAllowedIp('172.16.200.1'))?.id).toBe(odd.id);
      expect((await store.byAllowedIp('192.0.2.77'))?.id).toBe(odd.id);
      expect((await store.byAllowedIp('::ffff:192.0.2.78'))?.id).toBe(odd.id);
      expect(await store.byAllowedIp('192.0.3.1')).toBeUndefined();
    });

    it('keeps tenants across close and reopen', async () => {
      const t = await store.create(input({ allowedIps: ['10.0.0.1'] }));
      await store.close();
      store = await place.open();
      expect(await store.byId(t.id)).toEqual(t);
      expect(await store.byAllowedIp('10.0.0.1')).toEqual(t);
    });
  });
}
