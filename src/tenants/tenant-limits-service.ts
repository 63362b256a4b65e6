import { LocalCounts } from '../core/local-counts.js';
import type { SharedCounts } from '../core/shared-counts.js';
import type { Storage } from '../store/storage.js';
import type { OpenDocuments } from '../store/tenant-documents.js';
import type { Config } from '../config/schema.js';
import {
  defaultLimits,
  effectiveLimits,
  mergeOverrides,
  type LimitName,
  type LimitOverrides,
  type TenantLimitValues,
} from './tenant-limits.js';
import { openTenantLimitsStore, type TenantLimitsStore } from './tenant-limits-store.js';
import { TenantUsage } from './tenant-usage.js';
import type { limitOverridesSchema } from './tenant-limits.js';
import type { z } from 'zod';

/** Limits per tenant (operator defaults, admin overrides) and their usage: one object per gateway. */
export interface TenantLimits {
  readonly defaults: TenantLimitValues;
  limitsOf(tenantId: string): TenantLimitValues;
  overridesOf(tenantId: string): LimitOverrides;
  update(tenantId: string, change: z.output<typeof limitOverridesSchema>): Promise<LimitOverrides>;
  readonly usage: TenantUsage;
  /** Counts a refusal in the usage view and the metrics. */
  hit(tenantId: string, limit: LimitName): void;
  weightOf(tenantId: string): number;
  /** Tenant purge: tenants with overrides or counters, and the removal of both (true when it had overrides). */
  tenantIds(): Iterable<string>;
  remove(tenantId: string): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * `counts` holds the messages per tenant per hour and day: this process's own by default, a
 * shared engine's (store/postgres/pg-shared-counts.ts) to make the limits hold across a cluster.
 * `documents` is where the overrides live: this node's LMDB by default, the shared database's
 * documents (compose/open-tenant-documents.ts) to give every node the same.
 */
export async function openTenantLimits(
  storage: Storage,
  config: Pick<Config, 'limits' | 'smtp'>,
  onHit: (limit: LimitName) => void = () => undefined,
  counts: SharedCounts = new LocalCounts(),
  documents?: OpenDocuments,
): Promise<TenantLimits> {
  const store: TenantLimitsStore = await openTenantLimitsStore(storage, documents);
  const defaults = defaultLimits(config);
  const caps = { recipients: config.smtp.maxRecipients, size: config.smtp.maxMessageSize };
  const usage = new TenantUsage(counts);
  const limitsOf = (tenantId: string): TenantLimitValues => effectiveLimits(defaults, store.get(tenantId), caps);
  return {
    defaults,
    usage,
    limitsOf,
    overridesOf: (tenantId) => store.get(tenantId),
    update: (tenantId, change) => store.set(tenantId, mergeOverrides(store.get(tenantId), change)),
    hit(tenantId, limit) {
      usage.hit(tenantId, limit);
      onHit(limit);
    },
    weightOf: (tenantId) => store.get(tenantId).deliveryWeight ?? defaults.deliveryWeight,
    tenantIds: () => new Set([...store.tenantIds(), ...usage.tenantIds()]),
    async remove(tenantId) {
      const had = Object.keys(store.get(tenantId)).length > 0;
      usage.forget(tenantId);
      await store.remove(tenantId);
      return had;
    },
    close: () => store.close(),
  };
}
