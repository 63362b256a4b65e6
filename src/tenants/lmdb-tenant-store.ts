import type { Database } from 'lmdb';
import type { Storage } from '../store/storage.js';
import { systemClock, type Clock } from '../core/clock.js';
import { GatewayError } from '../core/gateway-error.js';
import type { Tenant, TenantDirectory } from '../core/types.js';
import {
  applyPatch,
  newTenant,
  mostSpecificMatch,
  type IpIndexEntry,
  type NewTenant,
  type TenantPatch,
} from './tenant-record.js';

export type { NewTenant, TenantPatch } from './tenant-record.js';

export interface TenantStore extends TenantDirectory {
  /** Throws GatewayError E_TENANT_EXISTS when the user name is taken (any letter case). */
  create(input: NewTenant): Promise<Tenant>;
  /** Throws E_TENANT_UNKNOWN / E_TENANT_EXISTS. Bumps credentialsVersion when user name or password change. */
  update(id: string, patch: TenantPatch): Promise<Tenant>;
  /** False when there was no such tenant. */
  delete(id: string): Promise<boolean>;
  /** Tenants in id order (= creation order), at most `limit`, starting after the id `after`. */
  list(opts: { readonly limit: number; readonly after?: string }): Promise<Tenant[]>;
  close(): Promise<void>;
}

/**
 * Tenants in their own named databases (`tenants/…` in the storage). Several processes may open it
 * at once (the gateway and the CLI, later several nodes): writes are single transactions
 * under LMDB's cross-process write lock, and nothing is cached in this process, so every
 * read sees the latest committed record.
 */
export function openTenantStore(storage: Storage, opts: { readonly clock?: Clock } = {}): TenantStore {
  const clock = opts.clock ?? systemClock;
  const root = storage.open('tenants');
  const tenants: Database<Tenant, string> = root.openDB({ name: 'tenants', encoding: 'json' });
  /** Lower-cased user name → tenant id: the uniqueness check and the AUTH lookup. */
  const usernames: Database<string, string> = root.openDB({ name: 'tenant-usernames', encoding: 'string' });
  /** `<id>\n<entry>` → entry: scanned by byAllowedIp without decoding whole tenants. */
  const ipIndex: Database<IpIndexEntry, string> = root.openDB({ name: 'tenant-ips', encoding: 'json' });

  const ipKey = (id: string, entry: string): string => `${id}\n${entry}`;
  const claimUsername = (username: string, id: string): void => {
    const owner = usernames.get(username.toLowerCase());
    if (owner !== undefined && owner !== id) {
      throw new GatewayError('E_TENANT_EXISTS', `SMTP user name "${username}" is already taken`);
    }
    usernames.putSync(username.toLowerCase(), id);
  };
  const indexIps = (t: Tenant): void => {
    for (const entry of t.allowedIps) ipIndex.putSync(ipKey(t.id, entry), { id: t.id, entry });
  };
  const unindex = (t: Tenant): void => {
    usernames.removeSync(t.smtpUsername.toLowerCase());
    for (const entry of t.allowedIps) ipIndex.removeSync(ipKey(t.id, entry));
  };

  return {
    async byId(id) {
      return tenants.get(id);
    },
    async bySmtpUsername(username) {
      const id = usernames.get(username.toLowerCase());
      return id === undefined ? undefined : tenants.get(id);
    },
    async byAllowedIp(address) {
      const id = mostSpecificMatch(address, ipValues(ipIndex));
      return id === undefined ? undefined : tenants.get(id);
    },
    async create(input) {
      const now = clock();
      const tenant = newTenant(input, now);
      // Check and write in one write transaction: LMDB's lock spans processes, so two
      // concurrent creates of the same user name cannot both pass the check.
      return await root.childTransaction(() => {
        claimUsername(tenant.smtpUsername, tenant.id);
        tenants.putSync(tenant.id, tenant);
        indexIps(tenant);
        return tenant;
      });
    },
    async update(id, patch) {
      return await root.childTransaction(() => {
        const old = tenants.get(id);
        if (!old) throw new GatewayError('E_TENANT_UNKNOWN', `no tenant ${id}`);
        const next = applyPatch(old, patch, clock());
        unindex(old);
        claimUsername(next.smtpUsername, id);
        tenants.putSync(id, next);
        indexIps(next);
        return next;
      });
    },
    async delete(id) {
      return await root.childTransaction(() => {
        const old = tenants.get(id);
        if (!old) return false;
        unindex(old);
        tenants.removeSync(id);
        return true;
      });
    },
    async list({ limit, after }) {
      const out: Tenant[] = [];
      if (limit <= 0) return out;
      for (const { key, value } of tenants.getRange(after === undefined ? {} : { start: after })) {
        if (key === after) continue;
        out.push(value);
        if (out.length >= limit) break;
      }
      return out;
    },
    async close() {
      await root.close();
    },
  };
}

function* ipValues(ipIndex: Database<IpIndexEntry, string>): Iterable<IpIndexEntry> {
  for (const { value } of ipIndex.getRange({})) yield value;
}
