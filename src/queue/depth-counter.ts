import type { QueuedMessage } from '../core/types.js';
import { isPending } from './records.js';

export interface QueueDepth {
  /** Messages with a recipient not yet final (held ones included). */
  readonly messages: number;
  readonly queued: number;
  readonly deferred: number;
  readonly held: number;
}

interface Counts {
  messages: number;
  queued: number;
  deferred: number;
  held: number;
}

const zero = (): Counts => ({ messages: 0, queued: 0, deferred: 0, held: 0 });

/**
 * Pending counts kept in memory, in total and per tenant, because /metrics scrapes them
 * often and tenant deletion asks for them: filled by one scan at open, then moved by each
 * committed change (remove the old record's share, add the new one's). Per-node: a shared
 * backend (a later issue) will count in its own store instead.
 */
export class DepthCounter {
  private readonly total = zero();
  private readonly byTenant = new Map<string, Counts>();

  add(msg: QueuedMessage): void {
    this.apply(msg, 1);
  }

  remove(msg: QueuedMessage): void {
    this.apply(msg, -1);
  }

  /** The whole queue, or one tenant's share of it. */
  snapshot(tenantId?: string): QueueDepth {
    const counts = tenantId === undefined ? this.total : (this.byTenant.get(tenantId) ?? zero());
    return { messages: counts.messages, queued: counts.queued, deferred: counts.deferred, held: counts.held };
  }

  /**
   * Replaces every count with a fresh reading (a shared engine's periodic sum over its pending
   * rows; changes made since that reading started are then counted again by the next one).
   */
  reset(byTenant: ReadonlyMap<string, QueueDepth>): void {
    this.byTenant.clear();
    Object.assign(this.total, zero());
    for (const [tenantId, depth] of byTenant) {
      if (depth.messages <= 0) continue;
      this.byTenant.set(tenantId, { ...depth });
      for (const key of ['messages', 'queued', 'deferred', 'held'] as const) this.total[key] += depth[key];
    }
  }

  /** Every tenant's counts (to hand a fresh count to reset()). */
  byTenants(): Map<string, QueueDepth> {
    return new Map([...this.byTenant].map(([tenantId, counts]) => [tenantId, { ...counts }]));
  }

  /** Tenants with recipients waiting for an attempt (queued or deferred, not held). */
  dueTenants(): string[] {
    const out: string[] = [];
    for (const [tenantId, counts] of this.byTenant) if (counts.queued + counts.deferred > 0) out.push(tenantId);
    return out;
  }

  private apply(msg: QueuedMessage, sign: 1 | -1): void {
    const pending = msg.recipients.filter(isPending);
    if (pending.length === 0) return;
    const tenant = this.byTenant.get(msg.tenantId) ?? zero();
    for (const counts of [this.total, tenant]) {
      counts.messages += sign;
      for (const r of pending)
        if (r.status === 'queued' || r.status === 'deferred' || r.status === 'held') counts[r.status] += sign;
    }
    // Dropped at zero, so that tenants long gone do not stay in memory.
    if (tenant.messages === 0) this.byTenant.delete(msg.tenantId);
    else this.byTenant.set(msg.tenantId, tenant);
  }
}
