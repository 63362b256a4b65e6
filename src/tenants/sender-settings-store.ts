import type { Database } from 'lmdb';
import type { Storage } from '../store/storage.js';
import { GatewayError } from '../core/gateway-error.js';
import type { Tenant } from '../core/types.js';
import { isReservedLocalPart } from './local-part.js';
import {
  freeLocalPart,
  localPartOwner,
  moveClaim,
  withClaimedLocalPart,
  type LocalPartDbs,
  type LocalPartIndex,
} from './local-part-registry.js';
import { DEFAULT_SENDER_SETTINGS, defaultLocalPart, type SenderSettings } from './sender-settings.js';

/**
 * Sender settings per tenant in their own named databases (`sender/…` in the storage). Read per
 * message (µs) and never cached in the process: several nodes may share the config later.
 * The forwarding local parts' ownership index lives here too (local-part-registry.ts).
 */
export interface SenderSettingsReader {
  /** The stored settings, or the defaults for a tenant that never saved any. */
  get(tenantId: string): SenderSettings;
}

export interface SenderSettingsStore extends SenderSettingsReader, LocalPartIndex {
  /**
   * Replaces the settings in one transaction: `change` gets the current ones and returns the
   * next. A changed `localPart` is claimed in the same transaction (E_NOT_AVAILABLE when
   * another tenant holds it or it is reserved) and the old one released.
   */
  update(tenantId: string, change: (current: SenderSettings) => SenderSettings): Promise<SenderSettings>;
  /** Removes the settings and releases the tenant's local part. */
  remove(tenantId: string): Promise<void>;
  /** Tenants with stored settings (the tenant purge looks for deleted ones). */
  tenantIds(): Iterable<string>;
  /** Whether nobody may have this local part (role accounts, VERP and SRS forms). */
  isReservedLocalPart(localPart: string): boolean;
  /** Inside `update`'s change: `base` if this tenant may have it, else a free variant (`base-2` …). */
  freeLocalPart(base: string, tenantId: string): string;
  /**
   * Gives each tenant without a claimed local part its default (from the SMTP user name) or a
   * free variant, in one transaction, in the order given (creation order: first wins).
   * Answers the tenants that did not get the address they had or would derive, and what they got.
   */
  register(
    tenants: readonly Pick<Tenant, 'id' | 'smtpUsername'>[],
  ): Promise<Array<{ tenantId: string; wanted: string; given: string }>>;
  close(): Promise<void>;
}

export interface SenderStoreOptions {
  /** `platform.bounceLocalPart`: reserved with its `+` forms. */
  readonly bounceLocalPart?: string;
}

export function openSenderSettingsStore(storage: Storage, opts: SenderStoreOptions = {}): SenderSettingsStore {
  const root = storage.open('sender');
  const settings: Database<SenderSettings, string> = root.openDB({ name: 'sender-settings', encoding: 'json' });
  const index: Database<string, string> = root.openDB({ name: 'local-parts', encoding: 'string' });
  const bounce = opts.bounceLocalPart ?? 'bounces';
  const reserved = (lp: string): boolean => isReservedLocalPart(lp, bounce);
  const dbs: LocalPartDbs = { settings, index, reserved };
  const read = (tenantId: string): SenderSettings => settings.get(tenantId) ?? DEFAULT_SENDER_SETTINGS;
  return {
    get: read,
    localPartOwner: (localPart) => localPartOwner(dbs, localPart),
    isReservedLocalPart: reserved,
    freeLocalPart: (base, tenantId) => freeLocalPart(dbs, base, tenantId),
    async update(tenantId, change) {
      return await root.childTransaction(() => {
        const current = read(tenantId);
        const next = change(current);
        if (typeof next !== 'object' || next === null)
          throw new GatewayError('E_INVALID', 'sender settings must be an object');
        moveClaim(dbs, tenantId, current.localPart, next.localPart);
        settings.putSync(tenantId, next);
        return next;
      });
    },
    async remove(tenantId) {
      await root.childTransaction(() => {
        moveClaim(dbs, tenantId, settings.get(tenantId)?.localPart, undefined);
        settings.removeSync(tenantId);
      });
    },
    tenantIds: () => settings.getKeys(),
    async register(tenants) {
      const unclaimed = tenants.filter((t) => {
        const lp = settings.get(t.id)?.localPart;
        return lp === undefined || index.get(lp) !== t.id;
      });
      if (unclaimed.length === 0) return [];
      return await root.childTransaction(() =>
        unclaimed.flatMap((t) => {
          const current = read(t.id);
          const next = withClaimedLocalPart(dbs, t.id, current, defaultLocalPart(t.smtpUsername));
          moveClaim(dbs, t.id, undefined, next.localPart);
          settings.putSync(t.id, next);
          const wanted = current.localPart ?? defaultLocalPart(t.smtpUsername);
          return wanted !== next.localPart ? [{ tenantId: t.id, wanted, given: next.localPart ?? '' }] : [];
        }),
      );
    },
    async close() {
      await root.close();
    },
  };
}
