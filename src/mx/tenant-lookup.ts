import type { Tenant } from '../core/types.js';
import type { TenantStore } from '../tenants/lmdb-tenant-store.js';
import type { SenderSettingsReader } from '../tenants/sender-settings-store.js';
import { defaultLocalPart, type SenderSettings } from '../tenants/sender-settings.js';

export interface ForwardingTenant {
  readonly tenant: Tenant;
  readonly settings: SenderSettings;
}

const PAGE = 500;

/**
 * The tenant whose forwarding address has this local part (settings.localPart, else the
 * one derived from its SMTP user name, exactly as the pipeline builds From). A scan of the
 * tenant store: a few thousand tenants cost a few ms, once per RCPT and once per reply.
 */
export async function tenantByLocalPart(tenants: TenantStore, settings: SenderSettingsReader, localPart: string): Promise<ForwardingTenant | undefined> {
  const wanted = localPart.toLowerCase();
  let after: string | undefined;
  for (;;) {
    const page = await tenants.list({ limit: PAGE, ...(after === undefined ? {} : { after }) });
    for (const tenant of page) {
      const s = settings.get(tenant.id);
      if ((s.localPart ?? defaultLocalPart(tenant.smtpUsername)).toLowerCase() === wanted) return { tenant, settings: s };
    }
    if (page.length < PAGE) return undefined;
    after = page[page.length - 1]?.id;
  }
}
