import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isGatewayError } from '../../src/core/gateway-error.js';
import { waitFor } from '../helpers/wait-for.js';
import type { SenderSettingsStore } from '../../src/tenants/sender-settings-store.js';
import { DEFAULT_SENDER_SETTINGS, type SenderSettings } from '../../src/tenants/sender-settings.js';

export interface SenderSettingsPlace {
  /** Opens the store at this place (again: another process or node on the same data). */
  open(): SenderSettingsStore | Promise<SenderSettingsStore>;
  /** Closes what the place opened besides the stores, and removes what it left behind. */
  cleanup(): Promise<void>;
}

const withLocalPart = (localPart: string) => (s: SenderSettings) => ({ ...s, localPart });
const failure = (p: Promise<unknown>) => p.then(() => undefined).catch((err: unknown) => err);

/** The contract of a SenderSettingsStore (tenants/sender-settings-store.ts) with its local-part index. */
export function senderSettingsContract(name: string, openPlace: () => Promise<SenderSettingsPlace>): void {
  describe(`SenderSettingsStore contract: ${name}`, () => {
    let place: SenderSettingsPlace;
    let store: SenderSettingsStore;
    beforeEach(async () => {
      place = await openPlace();
      store = await place.open();
    });
    afterEach(async () => {
      await store.close();
      await place.cleanup();
    });

    it('answers the defaults for a tenant without settings, and never one tenant the settings of another', async () => {
      expect(store.get('T1')).toEqual(DEFAULT_SENDER_SETTINGS);
      await store.update('T1', (s) => ({ ...s, mode: 'own-address', ownAddress: 'info@acme.test' }));
      await store.update('T10', (s) => ({ ...s, replyTo: 'x@t10.test' }));
      expect(store.get('T1')).toMatchObject({ mode: 'own-address', ownAddress: 'info@acme.test' });
      expect(store.get('T10').ownAddress).toBeUndefined();
      expect(store.get('T2')).toEqual(DEFAULT_SENDER_SETTINGS);
      expect([...store.tenantIds()].sort()).toEqual(['T1', 'T10']);
      const bad = await failure(store.update('T1', () => null as unknown as SenderSettings));
      expect(isGatewayError(bad, 'E_INVALID')).toBe(true);
    });

    it('claims a local part for one tenant only; reserved ones for nobody; a change or removal frees it', async () => {
      await store.update('T1', withLocalPart('acme'));
      expect(store.localPartOwner('acme')).toBe('T1');
      const taken = await failure(store.update('T2', withLocalPart('acme')));
      expect(isGatewayError(taken, 'E_NOT_AVAILABLE')).toBe(true);
      const role = await failure(store.update('T2', withLocalPart('postmaster')));
      expect(isGatewayError(role, 'E_NOT_AVAILABLE')).toBe(true);
      expect(store.get('T2').localPart).toBeUndefined();
      expect(store.isReservedLocalPart('bounces+x')).toBe(true);
      await store.update('T2', (s) => ({ ...s, localPart: store.freeLocalPart('acme', 'T2') }));
      expect(store.get('T2').localPart).toBe('acme-2');
      await store.update('T1', withLocalPart('acme-bv'));
      expect(store.localPartOwner('acme')).toBeUndefined();
      await store.update('T2', withLocalPart('acme'));
      expect([store.localPartOwner('acme'), store.localPartOwner('acme-2')]).toEqual(['T2', undefined]);
      await store.remove('T2');
      expect(store.localPartOwner('acme')).toBeUndefined();
      expect(store.get('T2')).toEqual(DEFAULT_SENDER_SETTINGS);
    });

    it('registers defaults in the order given: a later one gets a variant; a second run changes nothing', async () => {
      const tenants = [
        { id: 'T1', smtpUsername: 'shared' },
        { id: 'T2', smtpUsername: 'Shared' },
        { id: 'T3', smtpUsername: 'third' },
      ];
      expect(await store.register(tenants)).toEqual([{ tenantId: 'T2', wanted: 'shared', given: 'shared-2' }]);
      expect(tenants.map((t) => store.get(t.id).localPart)).toEqual(['shared', 'shared-2', 'third']);
      expect(await store.register(tenants)).toEqual([]);
    });

    it('lets one of two processes or nodes claiming one local part at once win, and keeps it on reopen', async () => {
      const other = await place.open();
      const ids = ['T1', 'T2', 'T3', 'T4'];
      let winner: string | undefined;
      try {
        const claims = await Promise.allSettled(
          ids.map((id, i) => (i % 2 ? other : store).update(id, withLocalPart('race'))),
        );
        const lost = claims.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(lost).toHaveLength(3);
        expect(lost.every((r) => isGatewayError(r.reason, 'E_NOT_AVAILABLE'))).toBe(true);
        winner = ids[claims.findIndex((r) => r.status === 'fulfilled')];
      } finally {
        await other.close();
      }
      // A claim won through the other node reaches this one's cache by notification, a moment later.
      await waitFor(() => store.localPartOwner('race') === winner, 5_000, 'the winner in this store');
      await store.close();
      store = await place.open();
      expect(store.localPartOwner('race')).toBe(winner);
      expect(winner && store.get(winner).localPart).toBe('race');
    });
  });
}
