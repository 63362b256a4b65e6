import type { MaybePromise } from '../../core/types.js';
import type { Storage } from '../../store/storage.js';
import { lmdbDocuments, type OpenDocuments, type TenantDocuments } from '../../store/tenant-documents.js';
import { DEFAULT_HOLD_RULES, type HoldRules } from './hold-rules.js';

/**
 * The tenants' review rules (`review/hold-rules`) and their "after a settings change" countdowns
 * (`review/countdowns`: the settings fingerprint last seen and how many messages are still to be
 * held), both on the engine `open` gives: this node's LMDB or the shared PostgreSQL. A decision that
 * changes a countdown is one TenantDocuments.update, so messages rendered at the same time, in this
 * process, another worker process or another node, never take the same place. A failed write (a full
 * disk, the database away) only costs a message more or less held.
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
  takeAfterChange(tenantId: string, fingerprint: string, count: number): MaybePromise<{ held: boolean; place: number }>;
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
  let countdowns: TenantDocuments<Countdown>;
  try {
    countdowns = await open<Countdown>('review', 'countdowns');
  } catch (err) {
    await rules.close();
    throw err;
  }
  const decide = (last: Countdown | undefined, fingerprint: string, count: number) => {
    if (last === undefined) return { next: { fingerprint, remaining: 0, taken: 0 }, held: false, place: 0 };
    const current = last.fingerprint === fingerprint ? last : { fingerprint, remaining: count, taken: 0 };
    if (current.remaining <= 0) return { next: current === last ? undefined : current, held: false, place: 0 };
    const next = { fingerprint, remaining: current.remaining - 1, taken: current.taken + 1 };
    return { next, held: true, place: next.taken };
  };
  const take = async (tenantId: string, fingerprint: string, count: number, seen: ReturnType<typeof decide>) => {
    let decided = seen;
    try {
      await countdowns.update(tenantId, (last) => {
        decided = decide(last, fingerprint, count);
        return decided.next ?? last;
      });
    } catch {
      decided = seen; // see above: a failed write only miscounts
    }
    return { held: decided.held, place: decided.place };
  };
  return {
    get: (tenantId) => ({ ...DEFAULT_HOLD_RULES, ...rules.get(tenantId) }),
    async put(tenantId, value) {
      await rules.put(tenantId, value);
      return value;
    },
    takeAfterChange(tenantId, fingerprint, count) {
      // Most messages change nothing (no recent settings change): a read of the cache, no write.
      const seen = decide(countdowns.get(tenantId), fingerprint, count);
      if (seen.next === undefined) return { held: seen.held, place: seen.place };
      return take(tenantId, fingerprint, count, seen);
    },
    async remove(tenantId) {
      await countdowns.remove(tenantId);
      return rules.remove(tenantId);
    },
    tenantIds: () => rules.tenantIds(),
    async close() {
      await rules.close();
      await countdowns.close();
    },
  };
}
