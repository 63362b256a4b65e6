import { join } from 'node:path';
import type { Router } from 'express';
import { openAuditLog } from '../../audit/audit-log.js';
import { ensureAdminToken, envAdminToken } from '../../auth/admin-token.js';
import { openTokenStore } from '../../auth/token-store.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { TenantStore } from '../../tenants/lmdb-tenant-store.js';
import type { ApiLimits, KeyFingerprint } from './api-deps.js';
import type { SenderApiDeps } from './sender-routes.js';
import type { ContentApiDeps } from './content-routes.js';
import type { DomainService } from '../../domains/domain-service.js';
import type { MessageLog } from '../../core/types.js';
import { createApiV1Router } from './router.js';

export interface ConfigApiOptions {
  readonly dataDir: string;
  /** POSTBODE_ADMIN_TOKEN; when unset an admin token is generated at the first start and logged once. */
  readonly adminToken?: string;
  readonly tenants: TenantStore;
  readonly messages: MessageLog;
  readonly secrets?: KeyFingerprint;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly limits?: Partial<ApiLimits>;
  readonly onQueueChanged?: () => void;
  readonly sender?: SenderApiDeps;
  readonly content?: ContentApiDeps;
  readonly domains?: DomainService;
}

export interface ConfigApi {
  readonly router: Router;
  close(): Promise<void>;
}

/**
 * Opens the API's own stores (`<dataDir>/auth` for tokens, `<dataDir>/audit`), makes sure
 * an admin token exists, and builds the /api/v1 router. The composition root calls this once.
 */
export async function openConfigApi(opts: ConfigApiOptions): Promise<ConfigApi> {
  const envAdmin = envAdminToken(opts.adminToken);
  const tokens = openTokenStore(join(opts.dataDir, 'auth'));
  const audit = openAuditLog(join(opts.dataDir, 'audit'));
  try {
    await ensureAdminToken({ store: tokens, env: envAdmin, logger: opts.logger, clock: opts.clock });
  } catch (err) {
    await Promise.all([tokens.close(), audit.close()]);
    throw err;
  }
  const router = createApiV1Router({
    tenants: opts.tenants, tokens, audit, messages: opts.messages, envAdmin, secrets: opts.secrets,
    logger: opts.logger, clock: opts.clock, limits: opts.limits, onQueueChanged: opts.onQueueChanged, sender: opts.sender,
    domains: opts.domains, content: opts.content,
  });
  return {
    router,
    async close() { await Promise.all([tokens.close(), audit.close()]); },
  };
}
