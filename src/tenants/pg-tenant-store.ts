import type pg from 'pg';
import { systemClock, type Clock } from '../core/clock.js';
import { GatewayError } from '../core/gateway-error.js';
import type { Tenant } from '../core/types.js';
import { storageCall } from '../store/postgres/pg-errors.js';
import { inTransaction, isUniqueViolation } from '../store/postgres/pg-transaction.js';
import type { TenantStore } from './lmdb-tenant-store.js';
import { applyPatch, asInet, mostSpecificMatch, newTenant, type IpIndexEntry } from './tenant-record.js';

const USERNAME_UNIQUE = 'tenants_username_unique';

/**
 * TenantStore on PostgreSQL (migration 006): a row per tenant in `tenants`, its allowed IPs in
 * `tenant_ips`. Nothing is cached: every read asks the database, so a change made on one node is
 * what the next AUTH on any node sees. The user name is unique in any letter case by the table's
 * unique index on the lower-cased name, which decides between two nodes creating one name at once.
 */
export function openPgTenantStore(pool: pg.Pool, opts: { readonly clock?: Clock } = {}): TenantStore {
  const clock = opts.clock ?? systemClock;
  const one = async (action: string, sql: string, params: unknown[]): Promise<Tenant | undefined> => {
    const { rows } = await storageCall(action, () => pool.query<{ doc: Tenant }>(sql, params));
    return rows[0]?.doc;
  };
  const byId = (id: string) => one('reading a tenant', 'SELECT doc FROM tenants WHERE id = $1', [id]);
  return {
    byId,
    bySmtpUsername: (username) =>
      one('reading a tenant by user name', 'SELECT doc FROM tenants WHERE username_key = $1', [username.toLowerCase()]),
    async byAllowedIp(address) {
      const ip = asInet(address, true);
      if (ip === undefined) return undefined;
      // The index picks the entries holding the address; the narrowest is chosen as with LMDB.
      const { rows } = await storageCall('reading allowed IPs', () =>
        pool.query<IpIndexEntry>('SELECT tenant_id AS id, entry FROM tenant_ips WHERE net >>= $1::inet', [ip]),
      );
      const id = mostSpecificMatch(address, rows);
      return id === undefined ? undefined : byId(id);
    },
    async create(input) {
      const now = clock();
      const tenant = newTenant(input, now);
      return await inTransaction(pool, 'creating a tenant', async (client) => {
        await insertTenant(client, tenant);
        return tenant;
      });
    },
    async update(id, patch) {
      return await inTransaction(pool, 'updating a tenant', async (client) => {
        const { rows } = await client.query<{ doc: Tenant }>('SELECT doc FROM tenants WHERE id = $1 FOR UPDATE', [id]);
        const old = rows[0]?.doc;
        if (!old) throw new GatewayError('E_TENANT_UNKNOWN', `no tenant ${id}`);
        const next = applyPatch(old, patch, clock());
        await claimed(next.smtpUsername, () =>
          client.query('UPDATE tenants SET username_key = $2, doc = $3 WHERE id = $1', [
            id,
            next.smtpUsername.toLowerCase(),
            JSON.stringify(next),
          ]),
        );
        await client.query('DELETE FROM tenant_ips WHERE tenant_id = $1', [id]);
        await insertIps(client, next);
        return next;
      });
    },
    async delete(id) {
      // The allowed IPs go with the row (ON DELETE CASCADE).
      const { rowCount } = await storageCall('deleting a tenant', () =>
        pool.query('DELETE FROM tenants WHERE id = $1', [id]),
      );
      return (rowCount ?? 0) > 0;
    },
    async list({ limit, after }) {
      if (limit <= 0) return [];
      const { rows } = await storageCall('listing tenants', () =>
        pool.query<{ doc: Tenant }>('SELECT doc FROM tenants WHERE id > $1 ORDER BY id LIMIT $2', [after ?? '', limit]),
      );
      return rows.map((r) => r.doc);
    },
    async close() {},
  };
}

async function insertTenant(client: pg.PoolClient, tenant: Tenant): Promise<void> {
  await claimed(tenant.smtpUsername, () =>
    client.query('INSERT INTO tenants (id, username_key, doc) VALUES ($1, $2, $3)', [
      tenant.id,
      tenant.smtpUsername.toLowerCase(),
      JSON.stringify(tenant),
    ]),
  );
  await insertIps(client, tenant);
}

async function insertIps(client: pg.PoolClient, tenant: Tenant): Promise<void> {
  if (tenant.allowedIps.length === 0) return;
  await client.query(
    `INSERT INTO tenant_ips (tenant_id, entry, net)
     SELECT $1, e, n::inet FROM unnest($2::text[], $3::text[]) AS x (e, n) ON CONFLICT DO NOTHING`,
    [tenant.id, [...tenant.allowedIps], tenant.allowedIps.map((e) => asInet(e) ?? null)],
  );
}

/** Runs a write that sets the user name; the unique index's refusal is the store's usual E_TENANT_EXISTS. */
async function claimed(username: string, write: () => Promise<unknown>): Promise<void> {
  try {
    await write();
  } catch (err) {
    if (isUniqueViolation(err, USERNAME_UNIQUE))
      throw new GatewayError('E_TENANT_EXISTS', `SMTP user name "${username}" is already taken`);
    throw err;
  }
}
