import type { Storage } from '../../../store/storage.js';
import type { Router } from 'express';
import { openAuditLog, type AuditLog } from '../../audit/audit-log.js';
import { ensureAdminToken, envAdminToken } from '../../auth/admin-token.js';
import { createAuthenticator } from '../../auth/authenticator.js';
import { openTokenStore, type TokenStore } from '../../auth/token-store.js';
import { startRetentionSweeper, type RetentionSweeper } from '../../../queue/retention.js';
import type { ApiDeps } from './api-deps.js';
import { createApiV1Router } from './router.js';

/** ApiDeps without the stores this module opens itself, plus where to open them. */
export type ConfigApiOptions = Omit<ApiDeps, 'tokens' | 'audit' | 'envAdmin'> & {
  /** The storage the API's own stores (tokens `auth/…`, the audit log `audit/…`) open in. */
  readonly storage: Storage;
  /** POSTBODE_ADMIN_TOKEN; when unset an admin token is generated at the first start and logged once. */
  readonly adminToken?: string;
  /** Audit entries older than this are purged hourly; 0 or absent keeps them. */
  readonly auditRetentionMs?: number;
  /** API tokens in a shared store (PostgreSQL) instead of the storage's. */
  readonly tokens?: TokenStore;
  /** The audit log in a shared store (PostgreSQL) instead of the storage's. */
  readonly audit?: AuditLog;
};

export interface ConfigApi {
  readonly router: Router;
  /** For changes made outside /api/v1 (the Gmail OAuth callback links an account). */
  readonly audit: Pick<AuditLog, 'record'>;
  /** True for an admin token (the dev mailbox asks when it is reachable from other machines). */
  isAdmin(bearer: string): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Opens the API's own stores (tokens and the audit log, in the storage), makes sure
 * an admin token exists, and builds the /api/v1 router. The composition root calls this once.
 */
export async function openConfigApi(opts: ConfigApiOptions): Promise<ConfigApi> {
  const envAdmin = envAdminToken(opts.adminToken);
  const tokens = opts.tokens ?? openTokenStore(opts.storage);
  const audit = opts.audit ?? openAuditLog(opts.storage);
  try {
    await ensureAdminToken({ store: tokens, env: envAdmin, logger: opts.logger, clock: opts.clock });
  } catch (err) {
    await Promise.all([tokens.close(), audit.close()]);
    throw err;
  }
  const { storage: _storage, adminToken: _adminToken, auditRetentionMs, tokens: _t, audit: _a, ...deps } = opts;
  const router = createApiV1Router({ ...deps, tokens, audit, envAdmin });
  const sweeper: RetentionSweeper | undefined = auditRetentionMs
    ? startRetentionSweeper(
        { purgeCompleted: (olderThan) => audit.purgeOlderThan(olderThan) },
        { retentionMs: auditRetentionMs, clock: opts.clock, logger: opts.logger, what: 'audit entries' },
      )
    : undefined;
  const authenticate = createAuthenticator({
    tokens,
    tenants: deps.tenants,
    envAdmin,
    clock: opts.clock,
    logger: opts.logger,
  });
  return {
    router,
    audit,
    isAdmin: async (bearer) => (await authenticate(bearer))?.principal.kind === 'admin',
    async close() {
      await sweeper?.stop();
      await Promise.all([tokens.close(), audit.close()]);
    },
  };
}
