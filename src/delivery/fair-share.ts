/**
 * How delivery shares a limited number of slots (the active window, one destination's
 * connections) between tenants. One rule for both places:
 * 1. a tenant below its cap (`maxShare` of the slots) goes before one at or over it, so a
 *    newcomer gets the next free slot even when another tenant's backlog holds all of them;
 * 2. then the tenant with the fewest slots in use per unit of weight (weighted fair share);
 * 3. then the one served longest ago (round robin between equals).
 * A tenant over its cap still gets a slot nobody under the cap wants: a lone tenant may use
 * every slot (work-conserving, like Postfix's qmgr which never leaves the active queue idle).
 */
export interface FairPolicy {
  /** Largest share (0–1] of the slots one tenant holds while another tenant waits. */
  readonly maxShare: number;
  /** A tenant's weight (default 1): twice the weight, twice the slots under contention. */
  readonly weightOf: (tenantId: string) => number;
}

export const EVEN_SHARES: FairPolicy = { maxShare: 1, weightOf: () => 1 };

/** Slots one tenant may hold while others wait: at least one. */
export function shareCap(slots: number, maxShare: number): number {
  return Math.max(1, Math.floor(slots * maxShare));
}

/** Remembers who was served last, to break ties in round-robin order. */
export class TenantTurns {
  private served = 0;
  private readonly lastServed = new Map<string, number>();

  constructor(private readonly policy: FairPolicy) {}

  /** The tenant to serve next among `waiting` (see the rule above); undefined when none waits. */
  pick(waiting: Iterable<string>, inUse: (tenantId: string) => number, slots: number): string | undefined {
    const cap = shareCap(slots, this.policy.maxShare);
    let best: string | undefined;
    let bestRank: [number, number, number] | undefined;
    for (const tenantId of waiting) {
      const used = inUse(tenantId);
      const rank: [number, number, number] = [
        used >= cap ? 1 : 0,
        used / Math.max(this.policy.weightOf(tenantId), Number.EPSILON),
        this.lastServed.get(tenantId) ?? 0,
      ];
      if (bestRank === undefined || before(rank, bestRank)) {
        best = tenantId;
        bestRank = rank;
      }
    }
    return best;
  }

  /** Call once per slot handed to `tenantId`. */
  serve(tenantId: string): void {
    this.lastServed.set(tenantId, ++this.served);
  }

  /** Drops a tenant that has nothing left (keeps the map to tenants with work). */
  forget(tenantId: string): void {
    this.lastServed.delete(tenantId);
  }
}

function before(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x < y;
  }
  return false;
}
