import type { Tenant, TenantDirectory } from '../core/types.js';
import type { LocalPartIndex } from '../tenants/local-part-registry.js';
import { normaliseLocalPart } from '../tenants/local-part.js';
import type { SenderSettingsReader } from '../tenants/sender-settings-store.js';
import type { SenderSettings } from '../tenants/sender-settings.js';

export interface ForwardingTenant {
  readonly tenant: Tenant;
  readonly settings: SenderSettings;
}

/**
 * The tenant whose forwarding address has this local part: one lookup in the ownership
 * index (src/tenants/local-part-registry.ts) and one tenant read, whatever the number of
 * tenants; the same normalisation as when the local part was claimed.
 */
export async function tenantByLocalPart(
  tenants: Pick<TenantDirectory, 'byId'>,
  settings: SenderSettingsReader & LocalPartIndex,
  localPart: string,
): Promise<ForwardingTenant | undefined> {
  const id = settings.localPartOwner(normaliseLocalPart(localPart));
  if (id === undefined) return undefined;
  const tenant = await tenants.byId(id);
  return tenant === undefined ? undefined : { tenant, settings: settings.get(id) };
}
