import type { Config } from '../../config/schema.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { Metrics } from '../../core/metrics.js';
import type { SharedCounts } from '../../core/shared-counts.js';
import type { MessageQueue, QueuedMessage, TenantDirectory } from '../../core/types.js';
import type { TenantLimits } from '../../tenants/tenant-limits-service.js';
import type { SenderGuard } from '../../tenants/ownership/sender-guard.js';
import type { DiskSpace } from '../../store/disk-watermark.js';
import type { PasswordVerifier } from './auth.js';
import type { ExtraRecipients } from './data-handler.js';

/** Everything the SMTP listener needs, injected by the composition root (or a test). */
export interface InboundDeps {
  readonly smtp: Config['smtp'];
  /** Greeting name, Received: "by" host, Message-ID domain. */
  readonly hostname: string;
  readonly tls: { readonly key: Buffer; readonly cert: Buffer };
  readonly tenants: TenantDirectory;
  readonly queue: MessageQueue;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Delivery wakes up on this. */
  readonly onQueued?: (message: QueuedMessage) => void;
  /** Password check; defaults to scrypt `verifyPassword` from tenants/password.ts. */
  readonly verifyPassword?: PasswordVerifier;
  /** A tenant's own, lower message size limit (Gmail mode), checked at the end of DATA. */
  readonly maxSizeFor?: (tenantId: string) => number | undefined;
  /** Per-tenant limits (messages per hour/day, recipients, size), checked at MAIL and RCPT; none when left out. */
  readonly limits?: TenantLimits;
  /**
   * Sender ownership at MAIL FROM and for the header From/Sender/Reply-To (src/tenants/ownership/sender-guard.ts);
   * unchecked when absent.
   */
  readonly senders?: SenderGuard;
  /** Free-space watermark on the data directory: below it MAIL FROM and DATA answer 452 4.3.1. */
  readonly disk?: DiskSpace;
  /**
   * Where failed AUTH attempts are counted: this listener's own memory when absent; a shared engine's
   * (store/postgres/pg-shared-counts.ts) makes the throttle hold across the nodes of a cluster.
   */
  readonly authCounts?: SharedCounts;
  /** False while the shared database is unreachable: new sessions get 421 4.3.0, a DATA end 451 4.3.0. */
  readonly backendAvailable?: () => boolean;
  /** The tenant's extra envelope recipients (its archive address), added at accept time; none when absent. */
  readonly extraRecipients?: ExtraRecipients;
}
