import { LocalCounts } from '../core/local-counts.js';
import type { CountKind, SharedCounts } from '../core/shared-counts.js';
import type { LimitName } from './tenant-limits.js';

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;
/** Tenants counted at most; far above any platform's, so none is evicted while it sends. */
const MAX_TENANTS = 1_000_000;

/** Sliding windows, approximate by one slot (a minute for the hour, an hour for the day). */
export const MESSAGES_LAST_HOUR: CountKind = {
  name: 'tenant-messages-hour',
  windowMs: HOUR_MS,
  slots: 60,
  maxKeys: MAX_TENANTS,
};
export const MESSAGES_LAST_DAY: CountKind = {
  name: 'tenant-messages-day',
  windowMs: DAY_MS,
  slots: 24,
  maxKeys: MAX_TENANTS,
};

export interface UsageView {
  readonly messagesLastHour: number;
  readonly messagesLastDay: number;
  /** Refusals because of each limit since this node started. */
  readonly limitHits: Partial<Record<LimitName, number>>;
}

/**
 * Accepted messages per tenant in a sliding hour and day, and how often each limit refused
 * something on this node. The message counts are SharedCounts: this process's memory by
 * default (a restart forgets them: a tenant may then send up to its hourly limit again);
 * shared ones count every node's accepts, so a limit holds for the cluster. Refusals stay per
 * node, like the metrics that count them.
 */
export class TenantUsage {
  private readonly hits = new Map<string, Partial<Record<LimitName, number>>>();

  constructor(private readonly counts: SharedCounts = new LocalCounts()) {}

  accepted(tenantId: string, now: number): void {
    this.counts.add(MESSAGES_LAST_HOUR, tenantId, 1, now);
    this.counts.add(MESSAGES_LAST_DAY, tenantId, 1, now);
  }

  hit(tenantId: string, limit: LimitName): void {
    let hits = this.hits.get(tenantId);
    if (hits === undefined) {
      hits = {};
      this.hits.set(tenantId, hits);
    }
    hits[limit] = (hits[limit] ?? 0) + 1;
  }

  messagesLastHour(tenantId: string, now: number): number {
    return this.counts.total(MESSAGES_LAST_HOUR, tenantId, now);
  }

  messagesLastDay(tenantId: string, now: number): number {
    return this.counts.total(MESSAGES_LAST_DAY, tenantId, now);
  }

  view(tenantId: string, now: number): UsageView {
    return {
      messagesLastHour: this.messagesLastHour(tenantId, now),
      messagesLastDay: this.messagesLastDay(tenantId, now),
      limitHits: { ...this.hits.get(tenantId) },
    };
  }

  /** Tenants with messages counted (lately) or refusals on this node. */
  tenantIds(): Iterable<string> {
    return new Set([...this.counts.keys(MESSAGES_LAST_DAY), ...this.hits.keys()]);
  }

  forget(tenantId: string): void {
    this.counts.forget(MESSAGES_LAST_HOUR, tenantId);
    this.counts.forget(MESSAGES_LAST_DAY, tenantId);
    this.hits.delete(tenantId);
  }
}
