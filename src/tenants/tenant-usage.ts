import { SlidingCount } from './sliding-count.js';
import type { LimitName } from './tenant-limits.js';

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;

interface Usage {
  readonly hour: SlidingCount;
  readonly day: SlidingCount;
  readonly hits: Partial<Record<LimitName, number>>;
}

export interface UsageView {
  readonly messagesLastHour: number;
  readonly messagesLastDay: number;
  /** Refusals because of each limit since this node started. */
  readonly limitHits: Partial<Record<LimitName, number>>;
}

/**
 * Accepted messages per tenant in a sliding hour and day, and how often each limit refused
 * something, in this process's memory: a restart forgets them (a tenant may then send up to
 * its hourly limit again), and each node counts its own traffic.
 */
export class TenantUsage {
  private readonly byTenant = new Map<string, Usage>();

  accepted(tenantId: string, now: number): void {
    const usage = this.of(tenantId);
    usage.hour.add(now);
    usage.day.add(now);
  }

  hit(tenantId: string, limit: LimitName): void {
    const { hits } = this.of(tenantId);
    hits[limit] = (hits[limit] ?? 0) + 1;
  }

  messagesLastHour(tenantId: string, now: number): number {
    return this.byTenant.get(tenantId)?.hour.total(now) ?? 0;
  }

  messagesLastDay(tenantId: string, now: number): number {
    return this.byTenant.get(tenantId)?.day.total(now) ?? 0;
  }

  view(tenantId: string, now: number): UsageView {
    return {
      messagesLastHour: this.messagesLastHour(tenantId, now),
      messagesLastDay: this.messagesLastDay(tenantId, now),
      limitHits: { ...this.byTenant.get(tenantId)?.hits },
    };
  }

  tenantIds(): Iterable<string> {
    return this.byTenant.keys();
  }

  forget(tenantId: string): void {
    this.byTenant.delete(tenantId);
  }

  private of(tenantId: string): Usage {
    let usage = this.byTenant.get(tenantId);
    if (!usage) {
      usage = { hour: new SlidingCount(HOUR_MS, 60), day: new SlidingCount(DAY_MS, 24), hits: {} };
      this.byTenant.set(tenantId, usage);
    }
    return usage;
  }
}
