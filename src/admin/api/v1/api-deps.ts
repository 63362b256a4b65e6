import type {
  BounceAlertApiDeps,
  ContentApiDeps,
  GatewayCapabilities,
  GmailApiDeps,
  MicrosoftApiDeps,
  PeppolApiDeps,
  ReviewApiDeps,
  SenderApiDeps,
} from './route-deps.js';
import type { AuditLog } from '../../audit/audit-log.js';
import type { EnvAdminToken } from '../../auth/admin-token.js';
import type { TokenStore } from '../../auth/token-store.js';
import type { Clock } from '../../../core/clock.js';
import type { Logger } from '../../../core/logger.js';
import type { TenantStore } from '../../../tenants/lmdb-tenant-store.js';
import type { AuthLimits } from './auth-middleware.js';
import type { MessageLog } from '../../../core/types.js';
import type { DomainService } from '../../../tenants/domains/domain-service.js';
import type { PlatformDns } from '../../../tenants/domains/platform-dns.js';
import type { SuppressionStore } from '../../../feedback/suppression-store.js';
import type { ReportReader } from '../../../feedback/reports/open-reports.js';
import type { ComplaintReader } from '../../../feedback/arf-store.js';
import type { TenantLimits } from '../../../tenants/tenant-limits-service.js';
import type { WebhookService } from '../../../webhooks/webhook-service.js';

export interface ApiLimits extends AuthLimits {
  /** Largest JSON body accepted (413 above). */
  readonly bodyBytes: number;
}

/** Defaults, per node: 20 requests/s per token with bursts of 60; 20 failed logins per address, then one per 5 s. */
export const DEFAULT_API_LIMITS: ApiLimits = {
  bodyBytes: 100 * 1024,
  perTokenPerSecond: 20,
  perTokenBurst: 60,
  authFailuresBurst: 20,
  authFailuresPerSecond: 0.2,
};

/** The key fingerprint of the secret box, for GET /system (the key itself never leaves it). */
export interface KeyFingerprint {
  keyFingerprint(): string;
}

/** Everything the Config API works with: stores behind small interfaces, injected. */
export interface ApiDeps {
  readonly tenants: TenantStore;
  readonly tokens: TokenStore;
  readonly audit: AuditLog;
  readonly messages: MessageLog;
  /** POSTBODE_ADMIN_TOKEN, hashed; stored admin tokens work as well. */
  readonly envAdmin?: EnvAdminToken;
  readonly secrets?: KeyFingerprint;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly limits?: Partial<ApiLimits>;
  /** Called after retry/release, so that delivery looks at the queue now rather than at its next poll. */
  readonly onQueueChanged?: () => void;
  /** Sender settings routes; left out, those routes are not mounted. */
  readonly sender?: SenderApiDeps;
  /** Content settings and preview routes, content/opens in GET /messages/:id; left out, not mounted. */
  readonly content?: ContentApiDeps;
  /** Sending domains and DKIM; left out, those routes are not mounted. */
  readonly domains?: DomainService;
  /** The platform's own DNS records, checked (GET /platform/dns-records); left out, not mounted. */
  readonly platformDns?: PlatformDns;
  /** Gmail link routes; left out, not mounted. */
  readonly gmail?: GmailApiDeps;
  /** Microsoft 365 link routes; left out, not mounted. */
  readonly microsoft365?: MicrosoftApiDeps;
  /** Per-tenant suppression list (src/feedback/); left out, its routes are not mounted. */
  readonly suppressions?: SuppressionStore;
  /** DMARC and TLS reports per domain (src/feedback/reports/); left out, their routes are not mounted. */
  readonly reports?: ReportReader;
  /** Spam complaints from feedback loops (GET /tenants/:id/complaints); left out, not mounted. */
  readonly complaints?: ComplaintReader;
  /** Per-tenant limits and usage (GET/PUT /tenants/:id/limits); left out, not mounted. */
  readonly tenantLimits?: TenantLimits;
  /** Peppol delivery settings and customers' participant ids (/tenants/:id/peppol); left out, not mounted. */
  readonly peppol?: PeppolApiDeps;
  /** Called after DELETE /tenants/:id: the purge of the tenant's other data (src/tenants/tenant-purge.ts) runs now. */
  readonly onTenantDeleted?: (tenantId: string) => void;
  /** Tenants' webhook endpoints (src/webhooks/); left out, their routes are not mounted. */
  readonly webhooks?: WebhookService;
  /** Bounce-alert settings (GET/PUT /tenants/:id/bounce-alerts); left out, not mounted. */
  readonly bounceAlerts?: BounceAlertApiDeps;
  /** What this gateway's configuration offers (GET /capabilities); left out, not mounted. */
  readonly capabilities?: GatewayCapabilities;
  /** Review holds and resend (src/pipeline/review/); left out, those routes are not mounted. */
  readonly review?: ReviewApiDeps;
}
