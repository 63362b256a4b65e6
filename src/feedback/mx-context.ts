import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import type { LateOutcomes, MessageLog, MessageQueue, QueuedMessage } from '../core/types.js';
import type { TenantStore } from '../tenants/lmdb-tenant-store.js';
import type { LocalPartIndex } from '../tenants/local-part-registry.js';
import type { SenderSettingsReader } from '../tenants/sender-settings-store.js';
import type { MxDomains } from './recipient-policy.js';
import type { ReportIntake } from './reports/report-intake.js';
import type { SentIndex } from './sent-index.js';
import type { ComplaintStore } from './arf-store.js';
import type { SuppressionStore, SuppressionThresholds } from './suppression-store.js';
import type { FeedbackEvents } from './feedback-events.js';

/** What processing an accepted MX message works with (built by open-mx.ts). */
export interface MxContext {
  readonly queue: MessageQueue & MessageLog & LateOutcomes;
  readonly tenants: TenantStore;
  /** Settings, and the forwarding local parts' owners (one index lookup per recipient). */
  readonly settings: SenderSettingsReader & LocalPartIndex;
  readonly suppressions: SuppressionStore;
  /** Complaints from feedback loops (ARF), per tenant; ARF reports are not read when absent. */
  readonly complaints?: Pick<ComplaintStore, 'record'>;
  /** Message-IDs each tenant sent: replies and DSNs are matched here, one key lookup per id. */
  readonly sent: Pick<SentIndex, 'find'>;
  /** Whether the tenant confirmed this reply-forwarding address; absent = every address is. */
  readonly replyTargetConfirmed?: (tenantId: string, address: string) => Promise<boolean>;
  readonly thresholds: SuppressionThresholds;
  readonly domains: MxDomains;
  /** SecretBox.deriveKey('verp'). */
  readonly verpKey: Buffer;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly clock: Clock;
  /** DMARC aggregate and TLS-RPT reports (src/feedback/reports/); absent: logged, not processed. */
  readonly reports?: ReportIntake;
  /** Delivery wakes up on this (a forwarded reply was queued). */
  readonly onQueued: () => void;
  /** Webhook events (a person's reply); none when absent. */
  readonly events?: FeedbackEvents;
  /** Told of each late bounce recorded (bounce alerts); must not throw or block. */
  readonly onLateBounce?: (message: QueuedMessage, address: string, reply: string) => void;
}

/** The tenant's message with one of these Message-IDs (with or without <>), through the sent index: never a scan. */
export async function messageByMessageId(
  ctx: MxContext,
  tenantId: string,
  ...messageIds: ReadonlyArray<string | undefined>
): Promise<QueuedMessage | undefined> {
  const queueId = await ctx.sent.find(
    tenantId,
    messageIds.filter((id): id is string => id !== undefined),
  );
  const message = queueId === undefined ? undefined : await ctx.queue.get(queueId);
  return message?.tenantId === tenantId ? message : undefined;
}
