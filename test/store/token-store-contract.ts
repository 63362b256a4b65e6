import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateToken } from '../../src/admin/auth/api-token.js';
import { createAdminToken, createTenantToken } from '../../src/admin/auth/token-service.js';
import { MAX_TOKENS_PER_TENANT, type ApiTokenRecord, type TokenStore } from '../../src/admin/auth/token-store.js';
import { isGatewayError } from '../../src/core/gateway-error.js';

export interface TokenStorePlace {
  /** Opens the store at this place (again: another process or node on the same data). */
  open(): TokenStore | Promise<TokenStore>;
  /** Closes what the place opened besides the stores, and removes what it left behind. */
  cleanup(): Promise<void>;
}

const T1 = '01JD4T8X9M2C5V7B3N6K0QWER1';
const T2 = '01JD4T8X9M2C5V7B3N6K0QWER2';

function adminRecord(): ApiTokenRecord {
  const t = generateToken(1000);
  return { id: t.id, kind: 'admin', secretHash: t.secretHash, createdAt: 1000 };
}

/** The contract of a TokenStore (admin/auth/token-store.ts), for every engine. */
export function tokenStoreContract(name: string, openPlace: () => Promise<TokenStorePlace>): void {
  describe(`TokenStore contract: ${name}`, () => {
    let place: TokenStorePlace;
    let store: TokenStore;

    beforeEach(async () => {
      place = await openPlace();
      store = await place.open();
    });

    afterEach(async () => {
      await store.close();
      await place.cleanup();
    });

    it('keeps tokens per tenant apart, oldest first, and removes them one by one or per tenant', async () => {
      const a = await createTenantToken(store, T1, { now: 1000 });
      const b = await createTenantToken(store, T1, { now: 2000, expiresAt: 9000 });
      const c = await createTenantToken(store, T2, { now: 3000 });
      expect((await store.listForTenant(T1, 10)).map((r) => r.id)).toEqual([a.id, b.id]);
      expect((await store.listForTenant(T2, 10)).map((r) => r.id)).toEqual([c.id]);
      expect(await store.get(b.id)).toMatchObject({ kind: 'tenant', tenantId: T1, createdAt: 2000, expiresAt: 9000 });
      expect(JSON.stringify(await store.get(a.id))).not.toContain(a.token.slice('pb_'.length + 27));
      expect(await store.remove(a.id)).toBe(true);
      expect(await store.remove(a.id)).toBe(false);
      expect(await store.get(a.id)).toBeUndefined();
      expect(await store.removeForTenant(T1)).toBe(1);
      expect(await store.listForTenant(T1, 10)).toEqual([]);
      expect(await store.get(c.id)).toBeDefined();
    });

    it('creates the first admin token only once, also when asked twice', async () => {
      expect(await store.createFirstAdmin(adminRecord())).toBe(true);
      expect(await store.createFirstAdmin(adminRecord())).toBe(false);
      const extra = await createAdminToken(store, { now: 5000 });
      expect(await store.get(extra.id)).toMatchObject({ kind: 'admin' });
      expect(await store.listForTenant('admin', 10)).toHaveLength(2);
    });

    it('creates the first admin token once when two processes or nodes ask at the same time', async () => {
      const other = await place.open();
      try {
        const asked = await Promise.all([store, other, store, other].map((s) => s.createFirstAdmin(adminRecord())));
        expect(asked.filter(Boolean)).toHaveLength(1);
        expect(await store.listForTenant('admin', 10)).toHaveLength(1);
      } finally {
        await other.close();
      }
    });

    it('records use without bringing a revoked token back', async () => {
      const t = await createTenantToken(store, T1, { now: 1000 });
      await store.touch(t.id, 4000);
      expect((await store.get(t.id))?.lastUsedAt).toBe(4000);
      await store.remove(t.id);
      await store.touch(t.id, 5000);
      expect(await store.get(t.id)).toBeUndefined();
    });

    it('refuses more than the allowed tokens per tenant', async () => {
      for (let i = 0; i < MAX_TOKENS_PER_TENANT; i++) await createTenantToken(store, T1, { now: 1000 + i });
      const over = await createTenantToken(store, T1, { now: 9999 }).catch((err: unknown) => err);
      expect(isGatewayError(over, 'E_CONFLICT')).toBe(true);
      expect(await store.listForTenant(T1, MAX_TOKENS_PER_TENANT + 5)).toHaveLength(MAX_TOKENS_PER_TENANT);
    });
  });
}
