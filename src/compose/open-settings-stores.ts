import type pg from 'pg';
import type { TokenStore } from '../admin/auth/token-store.js';
import { openPgTokenStore } from '../admin/auth/pg-token-store.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Storage } from '../store/storage.js';
import type { DomainStore } from '../tenants/domains/domain-store.js';
import { openPgDomainStore } from '../tenants/domains/pg-domain-store.js';
import { openTenantStore, type TenantStore } from '../tenants/lmdb-tenant-store.js';
import { openPgSenderSettingsStore } from '../tenants/pg-sender-settings-store.js';
import { openPgTenantStore } from '../tenants/pg-tenant-store.js';
import { openSenderSettingsStore, type SenderSettingsStore } from '../tenants/sender-settings-store.js';

/**
 * The settings every node must agree on: tenants, API tokens, sender settings and domains. On
 * PostgreSQL they are shared (a change through one node reaches the others by NOTIFY); on LMDB they
 * are this node's. `tokens` and `domains` are undefined on LMDB: the API and openDomains open theirs.
 */
export interface SettingsStores {
  readonly tenants: TenantStore;
  readonly senderSettings: SenderSettingsStore;
  readonly tokens?: TokenStore;
  readonly domains?: DomainStore;
}

export interface SettingsStoresDeps {
  readonly storage: Storage;
  /** The shared database's pool; undefined on LMDB. */
  readonly pool: pg.Pool | undefined;
  readonly bounceLocalPart: string;
  readonly logger: Logger;
  readonly clock: Clock;
}

export async function openSettingsStores(deps: SettingsStoresDeps): Promise<SettingsStores> {
  const { pool } = deps;
  if (pool === undefined)
    return {
      tenants: openTenantStore(deps.storage),
      senderSettings: openSenderSettingsStore(deps.storage, { bounceLocalPart: deps.bounceLocalPart }),
    };
  // A lost LISTEN connection is reopened by the store itself; the log says so.
  const onListenError = (err: Error) => deps.logger.warn({ err: err.message }, 'settings listener lost; reconnecting');
  const tenants = openPgTenantStore(pool, { clock: deps.clock });
  const senderSettings = await openPgSenderSettingsStore(pool, {
    bounceLocalPart: deps.bounceLocalPart,
    onListenError,
  });
  const domains = await openPgDomainStore(pool, { onListenError }).catch(async (err: unknown) => {
    await senderSettings.close();
    throw err;
  });
  return { tenants, senderSettings, tokens: openPgTokenStore(pool), domains };
}
