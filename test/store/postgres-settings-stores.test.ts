import { afterAll, beforeAll } from 'vitest';
import { openPgTokenStore } from '../../src/admin/auth/pg-token-store.js';
import { openPgDomainStore } from '../../src/tenants/domains/pg-domain-store.js';
import { openPgSenderSettingsStore } from '../../src/tenants/pg-sender-settings-store.js';
import { openPgTenantStore } from '../../src/tenants/pg-tenant-store.js';
import { pgNodes } from '../helpers/pg-nodes.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { domainStoreContract } from './domain-store-contract.js';
import { senderSettingsContract } from './sender-settings-contract.js';
import { tenantStoreContract } from './tenant-store-contract.js';
import { tokenStoreContract } from './token-store-contract.js';

// One cluster for the file; a fresh, migrated database per test; every open is another node (pool).
let cluster: TestPostgres;
beforeAll(async () => {
  cluster = await startPostgres();
});
afterAll(async () => {
  await cluster?.stop();
});

tenantStoreContract('PostgreSQL (tenants and tenant_ips, nothing cached)', async () => {
  const nodes = await pgNodes(cluster);
  return { open: (opts) => openPgTenantStore(nodes.node(), opts), cleanup: nodes.end };
});

tokenStoreContract('PostgreSQL (api_tokens, nothing cached)', async () => {
  const nodes = await pgNodes(cluster);
  return { open: () => openPgTokenStore(nodes.node()), cleanup: nodes.end };
});

senderSettingsContract('PostgreSQL (sender_settings, cache kept fresh by LISTEN/NOTIFY)', async () => {
  const nodes = await pgNodes(cluster);
  return { open: () => openPgSenderSettingsStore(nodes.node()), cleanup: nodes.end };
});

domainStoreContract('PostgreSQL (domain_claims and domain_owners, cache kept fresh by LISTEN/NOTIFY)', async () => {
  const nodes = await pgNodes(cluster);
  return { open: () => openPgDomainStore(nodes.node()), cleanup: nodes.end };
});
