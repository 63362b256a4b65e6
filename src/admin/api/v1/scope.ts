import type { Principal } from '../../auth/principal.js';
import type { Tenant, TenantDirectory } from '../../../core/types.js';
import { notFound } from './api-errors.js';

/**
 * Tenant scoping in one place. A tenant token asking for anything of another tenant gets
 * exactly what it gets for an id that does not exist: 404, no data.
 */
export function canSee(principal: Principal, tenantId: string): boolean {
  return principal.kind === 'admin' || principal.tenantId === tenantId;
}

/** The tenant `id` if the caller may see it; else (or when it does not exist) 404. */
export async function visibleTenant(tenants: TenantDirectory, principal: Principal, id: string): Promise<Tenant> {
  if (!canSee(principal, id)) throw notFound();
  const tenant = await tenants.byId(id);
  if (!tenant) throw notFound();
  return tenant;
}

/** The tenant a listing is limited to: a tenant token's own, or the admin's choice (all when undefined). */
export function listScope(
  principal: Principal,
  requested: string | undefined,
): { readonly tenantId?: string; readonly empty: boolean } {
  if (principal.kind === 'admin')
    return requested === undefined ? { empty: false } : { tenantId: requested, empty: false };
  return { tenantId: principal.tenantId, empty: requested !== undefined && requested !== principal.tenantId };
}
