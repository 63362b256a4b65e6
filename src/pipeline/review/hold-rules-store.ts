import type { Storage } from '../../store/storage.js';
import { lmdbDocuments, type OpenDocuments } from '../../store/tenant-documents.js';
import { DEFAULT_HOLD_RULES, type HoldRules } from './hold-rules.js';

/**
 * The tenants' review rules (`review/hold-rules`, on the engine `open` gives: this node's LMDB or
 * the shared PostgreSQL, read through) and their "after a settings change" countdowns
 * (`review/countdowns`, this node's LMDB: the settings fingerprint last seen and how many messages
 * are still to be held). The countdown is decided in memory, so messages rendered at the same
 * time never take the same place; it is written through, and a failed write only costs a
 * message more or less held after a restart.
 */
export interface HoldRulesReader {
  /** The tenant's rules; the defaults for a tenant that never saved any. */
  get(tenantId: string): HoldRules;
}

export interface HoldRulesStore extends HoldRulesReader {
  put(tenantId: string, rules: HoldRules): Promise<HoldRules>;
  /**
   * Whether this message is one of the first `count` after a settings change: `fingerprint`
   * is the digest of the settings it is rendered with (render-once's). The first fingerprint
   * a tenant's mail shows only starts the watch.
   */
  takeAfterChange(tenantId: string, fingerprint: string, count: number): { held: boolean; place: number };
  remove(tenantId: string): Promise<boolean>;
  tenantIds(): Iterable<string>;
  close(): Promise<void>;
}

/** What the hold stage reads (PipelineDeps.review): the tenants' review rules. */
export interface ReviewStageDeps {
  readonly rules: Pick<HoldRulesStore, 'get' | 'takeAfterChange'>;
}

interface Countdown {
  readonly fingerprint: string;
  readonly remaining: number;
  /** How many were held since the change (the place of the next one is this + 1). */
  readonly taken: number;
}

export async function openHoldRulesStore(
  storage: Storage,
  open: OpenDocuments = lmdbDocuments(storage),
): Promise<HoldRulesStore> {
  const rules = await open<HoldRules>('review', 'hold-rules');
  const root = storage.open('review');
  const countdowns = root.openDB<Countdown, string>({ name: 'countdowns', encoding: 'json' });
  const seen = new Map<string, Countdown>();
  const save = (tenantId: string, next: Countdown): void => {
    seen.set(tenantId, next);
    countdowns.put(tenantId, next).catch(() => undefined); // see above: a lost write only miscounts
  };
  return {
    get: (tenantId) => ({ ...DEFAULT_HOLD_RULES, ...rules.get(tenantId) }),
    async put(tenantId, value) {
      await rules.put(tenantId, value);
      return value;
    },
    takeAfterChange(tenantId, fingerprint, count) {
      const last = seen.get(tenantId) ?? countdowns.get(tenantId);
      if (last === undefined) {
        save(tenantId, { fingerprint, remaining: 0, taken: 0 });
        return { held: false, place: 0 };
      }
      const current = last.fingerprint === fingerprint ? last : { fingerprint, remaining: count, taken: 0 };
      if (current.remaining <= 0) {
        if (current !== last) save(tenantId, current);
        return { held: false, place: 0 };
      }
      const next = { fingerprint, remaining: current.remaining - 1, taken: current.taken + 1 };
      save(tenantId, next);
      return { held: true, place: next.taken };
    },
    async remove(tenantId) {
      seen.delete(tenantId);
      await countdowns.remove(tenantId);
      return rules.remove(tenantId);
    },
    tenantIds: () => rules.tenantIds(),
    async close() {
      await rules.close();
      await root.close();
    },
  };
}
