import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { TenantDirectory } from '../../core/types.js';
import { matchesEnvAdmin, type EnvAdminToken } from './admin-token.js';
import { parseToken, secretMatches } from './api-token.js';
import type { Principal } from './principal.js';
import type { TokenStore } from './token-store.js';

export interface Authenticated {
  readonly principal: Principal;
  /** Key of this caller's rate-limit bucket: one per token. */
  readonly rateKey: string;
}

export interface AuthenticatorDeps {
  readonly tokens: TokenStore;
  readonly tenants: TenantDirectory;
  readonly envAdmin: EnvAdminToken | undefined;
  readonly clock: Clock;
  readonly logger: Logger;
  /** lastUsedAt is written at most this often per token (default one minute): not a write per request. */
  readonly touchEveryMs?: number;
}

/** A hash no secret matches, compared when the id is unknown so that both cases cost the same. */
const NO_MATCH = Buffer.alloc(32).toString('base64');

/**
 * Checks a bearer token on every request against the stores (nothing cached here, so a
 * revoke or a deleted tenant takes effect at once, on every node). Undefined = 401.
 */
export function createAuthenticator(deps: AuthenticatorDeps): (bearer: string) => Promise<Authenticated | undefined> {
  const touchEveryMs = deps.touchEveryMs ?? 60_000;
  return async (bearer) => {
    if (deps.envAdmin && matchesEnvAdmin(bearer, deps.envAdmin))
      return { principal: { kind: 'admin' }, rateKey: 'admin' };
    const parsed = parseToken(bearer);
    if (!parsed) return undefined;
    const record = await deps.tokens.get(parsed.id);
    if (!secretMatches(parsed.secret, record?.secretHash ?? NO_MATCH) || !record) return undefined;
    const now = deps.clock();
    if (record.expiresAt !== undefined && record.expiresAt <= now) return undefined;
    let principal: Principal;
    if (record.kind === 'admin') {
      principal = { kind: 'admin' };
    } else {
      // A token outlives nothing: when its tenant is gone (even if the cleanup of its
      // tokens was interrupted) the token is refused.
      if (record.tenantId === undefined || !(await deps.tenants.byId(record.tenantId))) return undefined;
      principal = { kind: 'tenant', tenantId: record.tenantId, tokenId: record.id };
    }
    if (record.lastUsedAt === undefined || now - record.lastUsedAt >= touchEveryMs) {
      deps.tokens
        .touch(record.id, now)
        .catch((err: unknown) => deps.logger.warn({ err, tokenId: record.id }, 'could not record token use'));
    }
    return { principal, rateKey: `token:${record.id}` };
  };
}
