import { guardBatch } from '../store/lmdb-close.js';
import type { MxStores } from './mx-stores.js';
import type { SuppressionEntry } from './mx-records.js';

export type { SuppressionEntry } from './mx-records.js';

export interface SuppressionThresholds {
  /** Hard bounces before an address is suppressed. */
  readonly hard: number;
  /** The same for "user unknown" (5.1.1-type) bounces. */
  readonly userUnknown: number;
}

export interface HardBounce {
  readonly tenantId: string;
  readonly address: string;
  readonly reason: string;
  readonly userUnknown: boolean;
  readonly now: number;
}

/**
 * Read side, as the delivery plan wrapper needs it: synchronous, per recipient per attempt (an
 * LMDB read, or on PostgreSQL this node's copy kept fresh by NOTIFY: pg-suppression-store.ts).
 */
export interface SuppressionReader {
  get(tenantId: string, address: string): SuppressionEntry | undefined;
}

export interface SuppressionStore extends SuppressionReader {
  /**
   * Counts a hard bounce; puts the address on the list once the threshold is reached. One transaction. Returns the
   * entry when (now) suppressed.
   */
  recordHardBounce(bounce: HardBounce, thresholds: SuppressionThresholds): Promise<SuppressionEntry | undefined>;
  list(tenantId: string): SuppressionEntry[];
  add(tenantId: string, address: string, reason: string, now: number): Promise<SuppressionEntry>;
  /** Removes the address and its bounce count; false when it was not on the list. */
  remove(tenantId: string, address: string): Promise<boolean>;
  /** Tenants with suppressed addresses or bounce counts (the tenant purge looks for deleted ones). */
  tenantIds(): Iterable<string>;
  /** Drops the tenant's whole list and its bounce counts in one transaction; how many keys. */
  removeTenant(tenantId: string): Promise<number>;
}

/**
 * The list's entry after a hard bounce counted as the `count`th (either engine): undefined while an
 * address not on the list stays under its threshold; an address on the list keeps its creation time.
 */
export function afterBounce(
  existing: SuppressionEntry | undefined,
  count: number,
  b: HardBounce,
  thresholds: SuppressionThresholds,
): SuppressionEntry | undefined {
  const limit = b.userUnknown ? thresholds.userUnknown : thresholds.hard;
  if (!existing && count < limit) return undefined;
  return {
    address: existing?.address ?? b.address.toLowerCase(),
    reason: b.reason,
    bounces: count,
    createdAt: existing?.createdAt ?? b.now,
    lastBounceAt: b.now,
  };
}

/** An entry added by hand (the API, a complaint): an address already on the list keeps its entry. */
export function addedByHand(address: string, reason: string, now: number): SuppressionEntry {
  return { address: address.toLowerCase(), reason, bounces: 0, createdAt: now };
}

const keyOf = (tenantId: string, address: string): string => `${tenantId}/${address.toLowerCase()}`;
/** All keys of one tenant: '0' sorts right after '/'. */
const rangeOf = (tenantId: string): { start: string; end: string } => ({ start: `${tenantId}/`, end: `${tenantId}0` });
const tenantOf = (key: string): string => key.slice(0, key.indexOf('/'));

export function createSuppressionStore(stores: MxStores): SuppressionStore {
  const { root, suppressions, bounces } = stores;
  const commit = async <T>(work: () => T): Promise<T> => {
    const done = root.transaction(work);
    guardBatch(root);
    return done;
  };
  return {
    get: (tenantId, address) => suppressions.get(keyOf(tenantId, address)),
    recordHardBounce: (b, thresholds) =>
      commit(() => {
        const key = keyOf(b.tenantId, b.address);
        const count = (bounces.get(key)?.count ?? 0) + 1;
        void bounces.put(key, { count, lastAt: b.now });
        const entry = afterBounce(suppressions.get(key), count, b, thresholds);
        if (entry) void suppressions.put(key, entry);
        return entry;
      }),
    list: (tenantId) => [...suppressions.getRange(rangeOf(tenantId))].map(({ value }) => value),
    add: (tenantId, address, reason, now) =>
      commit(() => {
        const key = keyOf(tenantId, address);
        const entry = suppressions.get(key) ?? addedByHand(address, reason, now);
        void suppressions.put(key, entry);
        return entry;
      }),
    remove: (tenantId, address) =>
      commit(() => {
        const key = keyOf(tenantId, address);
        const existed = suppressions.doesExist(key);
        void suppressions.remove(key);
        void bounces.remove(key);
        return existed;
      }),
    tenantIds: () => new Set([...suppressions.getKeys(), ...bounces.getKeys()].map(tenantOf)),
    removeTenant: (tenantId) =>
      commit(() => {
        let removed = 0;
        for (const db of [suppressions, bounces] as const) {
          for (const key of db.getKeys(rangeOf(tenantId))) {
            void db.remove(key);
            removed += 1;
          }
        }
        return removed;
      }),
  };
}
