import { GatewayError } from '../../core/gateway-error.js';
import { generateToken, type NewToken } from './api-token.js';
import { MAX_TOKENS_PER_TENANT, type ApiTokenRecord, type TokenStore } from './token-store.js';

/** A token just created: the only time its text exists outside the client. */
export interface CreatedToken {
  readonly id: string;
  readonly token: string;
  readonly expiresAt?: number;
}

export interface TokenOptions {
  readonly now: number;
  /** Refused from this time on (ms since epoch); never expires when left out. */
  readonly expiresAt?: number;
}

/** A tenant-scoped token. Throws E_CONFLICT when the tenant already holds the most tokens allowed. */
export async function createTenantToken(
  store: TokenStore,
  tenantId: string,
  opts: TokenOptions,
): Promise<CreatedToken> {
  const existing = await store.listForTenant(tenantId, MAX_TOKENS_PER_TENANT);
  if (existing.length >= MAX_TOKENS_PER_TENANT) {
    throw new GatewayError(
      'E_CONFLICT',
      `a tenant holds at most ${MAX_TOKENS_PER_TENANT} API tokens; revoke one first`,
    );
  }
  const created = generateToken(opts.now);
  await store.create(toRecord(created, { kind: 'tenant', tenantId }, opts));
  return shown(created, opts);
}

/** Another admin token (CLI: when the first one is lost, or one per operator). */
export async function createAdminToken(store: TokenStore, opts: TokenOptions): Promise<CreatedToken> {
  const created = generateToken(opts.now);
  await store.create(toRecord(created, { kind: 'admin' }, opts));
  return shown(created, opts);
}

function toRecord(
  created: NewToken,
  owner: Pick<ApiTokenRecord, 'kind' | 'tenantId'>,
  opts: TokenOptions,
): ApiTokenRecord {
  return {
    id: created.id,
    ...owner,
    secretHash: created.secretHash,
    createdAt: opts.now,
    ...(opts.expiresAt === undefined ? {} : { expiresAt: opts.expiresAt }),
  };
}

function shown(created: NewToken, opts: TokenOptions): CreatedToken {
  return {
    id: created.id,
    token: created.token,
    ...(opts.expiresAt === undefined ? {} : { expiresAt: opts.expiresAt }),
  };
}
