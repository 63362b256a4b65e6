import type { Logger } from '../core/logger.js';
import type { Tenant } from '../core/types.js';
import type { TenantStore } from './lmdb-tenant-store.js';
import type { SenderSettingsStore } from './sender-settings-store.js';

type Registrar = Pick<SenderSettingsStore, 'register'>;

/** Tenants listed per page while registering at start. */
const PAGE = 1000;

/**
 * The tenant store, with every new tenant's forwarding local part claimed right after it is
 * created (its default from the SMTP user name, or `-2`… when another tenant has that one).
 */
export function withLocalPartClaims(store: TenantStore, sender: Registrar, logger: Logger): TenantStore {
  return {
    ...store,
    async create(input) {
      const tenant = await store.create(input);
      for (const r of await sender.register([tenant])) {
        logger.info(
          { tenantId: r.tenantId, given: r.given },
          'the default forwarding address was taken: the new tenant got a variant',
        );
      }
      return tenant;
    },
  };
}

/**
 * At start: every tenant gets a claimed local part, in creation order, so data from before
 * the index (or a tenant the CLI made) is consistent: the first by creation keeps a shared
 * local part, a later one gets a free variant, and the conflict is logged.
 */
export async function registerAllLocalParts(tenants: TenantStore, sender: Registrar, logger: Logger): Promise<void> {
  const all: Tenant[] = [];
  for (
    let page = await tenants.list({ limit: PAGE });
    page.length > 0;
    page = await tenants.list({ limit: PAGE, after: page.at(-1)?.id })
  ) {
    all.push(...page);
    if (page.length < PAGE) break;
  }
  for (const r of await sender.register(all)) {
    logger.warn(
      { tenantId: r.tenantId, wanted: r.wanted, given: r.given },
      'forwarding local part already held by an earlier tenant (or reserved): this tenant got a variant',
    );
  }
}
