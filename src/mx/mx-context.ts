import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import type { LateOutcomes, MessageLog, MessageQueue, QueuedMessage } from '../core/types.js';
import type { TenantStore } from '../tenants/lmdb-tenant-store.js';
import type { LocalPartIndex } from '../tenants/local-part-registry.js';
import type { SenderSettingsReader } from '../tenants/sender-settings-store.js';
import type { MxDomains } from './recipient-policy.js';
import type { SuppressionStore, SuppressionThresholds } from './suppression-store.js';

/** What processing an accepted MX message works with (built by open-mx.ts). */
export interface MxContext {
  readonly queue: MessageQueue & MessageLog & LateOutcomes;
  readonly tenants: TenantStore;
  /** Settings, and the forwarding local parts' owners (one index lookup per recipient). */
  readonly settings: SenderSettingsReader & LocalPartIndex;
  readonly suppressions: SuppressionStore;
  readonly thresholds: SuppressionThresholds;
  readonly domains: MxDomains;
  /** SecretBox.deriveKey('verp'). */
  readonly verpKey: Buffer;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Delivery wakes up on this (a forwarded reply was queued). */
  readonly onQueued: () => void;
}

/** The tenant's message with this Message-ID (with or without <>), found through the message log's search. */
export function messageByMessageId(ctx: MxContext, tenantId: string, messageId: string | undefined): QueuedMessage | undefined {
  const bare = messageId?.trim().replace(/^<|>$/g, '');
  if (!bare) return undefined;
  const page = ctx.queue.list({ tenantId, text: bare, limit: 5 });
  return page.messages.find((m) => m.messageId.replace(/^<|>$/g, '').toLowerCase() === bare.toLowerCase());
}
