import { withCliStores } from './cli-stores.js';
import { createAdminToken, createTenantToken, type CreatedToken } from '../auth/token-service.js';
import type { Config } from '../../config/schema.js';
import { GatewayError } from '../../core/gateway-error.js';
import type { TenantStore } from '../../tenants/lmdb-tenant-store.js';

export interface TokenCreateInput {
  /** Exactly one of tenantId and admin. */
  readonly tenantId?: string;
  readonly admin: boolean;
  /** ISO date or ms since epoch; never expires when left out. */
  readonly expiresAt?: string;
}

/**
 * `postbode token create`: an API token, printed once. Opens the stores the running gateway
 * reads (tokens, tenants and the audit log on its LMDB or the shared PostgreSQL, cli-stores.ts); the gateway
 * accepts the token at once, since it reads tokens per request.
 */
export async function tokenCreate(config: Config, input: TokenCreateInput, now: number): Promise<string> {
  if (input.admin === (input.tenantId !== undefined))
    throw new GatewayError('E_INVALID', 'give exactly one of --tenant <id> and --admin');
  const expiresAt = input.expiresAt === undefined ? undefined : parseExpiry(input.expiresAt, now);
  const created = await withCliStores(config, async (stores) => {
    if (input.tenantId === undefined) return await createAdminToken(stores.tokens(), { now, expiresAt });
    await requireTenant(stores.tenants(), input.tenantId);
    return await createTenantToken(stores.tokens(), input.tenantId, { now, expiresAt });
  });
  await recordCliChange(config, now, {
    route: 'token create',
    targetId: created.id,
    tenantId: input.tenantId,
    fieldsChanged: ['token'],
  });
  return tokenLines(created, input.tenantId).join('\n');
}

/** `postbode token revoke <id>`: any token, admin ones included. */
export async function tokenRevoke(config: Config, id: string, now: number): Promise<string> {
  const record = await withCliStores(config, async (stores) => {
    const store = stores.tokens();
    const found = await store.get(id);
    if (found) await store.remove(id);
    return found;
  });
  if (!record) throw new GatewayError('E_NOT_FOUND', `no API token ${id}`);
  await recordCliChange(config, now, {
    route: 'token revoke',
    targetId: id,
    tenantId: record.tenantId,
    fieldsChanged: [],
  });
  return `Token ${id} revoked; requests with it are refused from now on.`;
}

async function requireTenant(tenants: TenantStore, id: string): Promise<void> {
  if (!(await tenants.byId(id))) throw new GatewayError('E_TENANT_UNKNOWN', `no tenant ${id}`);
}

/** Changes made from the command line are audited too, as actor `cli`. */
export async function recordCliChange(
  config: Config,
  at: number,
  change: {
    readonly route: string;
    readonly targetId: string;
    readonly tenantId?: string;
    readonly fieldsChanged: readonly string[];
  },
): Promise<void> {
  await withCliStores(config, async (stores) => {
    await stores.audit().record({
      at,
      actor: 'cli',
      method: 'CLI',
      route: change.route,
      targetId: change.targetId,
      fieldsChanged: change.fieldsChanged,
      status: 0,
      ...(change.tenantId === undefined ? {} : { tenantId: change.tenantId }),
    });
  });
}

function parseExpiry(text: string, now: number): number {
  const at = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(at)) throw new GatewayError('E_INVALID', `--expires-at: not a date: ${JSON.stringify(text)}`);
  if (at <= now) throw new GatewayError('E_INVALID', '--expires-at must be in the future');
  return at;
}

function tokenLines(created: CreatedToken, tenantId: string | undefined): string[] {
  return [
    'API token created.',
    `  id:       ${created.id}`,
    `  scope:    ${tenantId === undefined ? 'admin (everything)' : `tenant ${tenantId}`}`,
    `  expires:  ${created.expiresAt === undefined ? 'never' : new Date(created.expiresAt).toISOString()}`,
    `  token:    ${created.token}`,
    '  (the token is shown only this once; send it as "Authorization: Bearer <token>")',
  ];
}
