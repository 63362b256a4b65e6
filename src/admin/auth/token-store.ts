import type { Database } from 'lmdb';
import type { Storage } from '../../store/storage.js';

/** A stored API token: never the token itself, only the hash of its secret. */
export interface ApiTokenRecord {
  readonly id: string;
  readonly kind: 'admin' | 'tenant';
  /** Set for tenant tokens. */
  readonly tenantId?: string;
  readonly secretHash: string;
  readonly createdAt: number;
  /** The token is refused from this time on (ms since epoch). */
  readonly expiresAt?: number;
  /** Updated at most once a minute (see authenticator.ts). */
  readonly lastUsedAt?: number;
}

/** Storage of API tokens; LMDB here, a shared database later (nothing cached in-process). */
export interface TokenStore {
  get(id: string): Promise<ApiTokenRecord | undefined>;
  create(record: ApiTokenRecord): Promise<void>;
  /** Stores `record` only when no admin token exists yet, atomically across processes; true when stored. */
  createFirstAdmin(record: ApiTokenRecord): Promise<boolean>;
  /** Tokens of one tenant, oldest first, at most `limit`. */
  listForTenant(tenantId: string, limit: number): Promise<ApiTokenRecord[]>;
  /** False when there was no such token. */
  remove(id: string): Promise<boolean>;
  /** Removes every token of the tenant (tenant deleted); returns how many. */
  removeForTenant(tenantId: string): Promise<number>;
  touch(id: string, at: number): Promise<void>;
  close(): Promise<void>;
}

/** Most tokens one tenant may hold: keeps listForTenant and removeForTenant bounded. */
export const MAX_TOKENS_PER_TENANT = 100;

/** Owner part of the index key: a tenant id (Crockford base32, upper case) or 'admin'. */
const ADMIN_OWNER = 'admin';

/**
 * Tokens in their own named databases (`auth/…` in the storage), apart from the tenants'
 * so the two stores stay independent. Writes are single
 * transactions under LMDB's cross-process lock, so the gateway and the CLI can share it.
 */
export function openTokenStore(storage: Storage): TokenStore {
  const root = storage.open('auth');
  const tokens: Database<ApiTokenRecord, string> = root.openDB({ name: 'tokens', encoding: 'json' });
  /** `<owner>:<tokenId>` → true: tokens per tenant in id (= creation) order, and "is there an admin token". */
  const byOwner: Database<true, string> = root.openDB({ name: 'tokens-by-owner', encoding: 'json' });

  const ownerOf = (r: ApiTokenRecord): string => (r.kind === 'admin' ? ADMIN_OWNER : (r.tenantId ?? ''));
  const ownerKeys = (owner: string, limit: number): string[] => [
    ...byOwner.getKeys({ start: `${owner}:`, end: `${owner};`, limit }),
  ];
  const put = (r: ApiTokenRecord): void => {
    tokens.putSync(r.id, r);
    byOwner.putSync(`${ownerOf(r)}:${r.id}`, true);
  };

  return {
    async get(id) {
      return tokens.get(id);
    },
    async create(record) {
      await root.childTransaction(() => put(record));
    },
    async createFirstAdmin(record) {
      return await root.childTransaction(() => {
        if (ownerKeys(ADMIN_OWNER, 1).length > 0) return false;
        put(record);
        return true;
      });
    },
    async listForTenant(tenantId, limit) {
      return ownerKeys(tenantId, limit)
        .map((key) => tokens.get(key.slice(tenantId.length + 1)))
        .filter((r): r is ApiTokenRecord => r !== undefined);
    },
    async remove(id) {
      return await root.childTransaction(() => {
        const old = tokens.get(id);
        if (!old) return false;
        tokens.removeSync(id);
        byOwner.removeSync(`${ownerOf(old)}:${id}`);
        return true;
      });
    },
    async removeForTenant(tenantId) {
      return await root.childTransaction(() => {
        const keys = ownerKeys(tenantId, MAX_TOKENS_PER_TENANT * 2);
        for (const key of keys) {
          tokens.removeSync(key.slice(tenantId.length + 1));
          byOwner.removeSync(key);
        }
        return keys.length;
      });
    },
    async touch(id, at) {
      // Read and write in one transaction: a revoke in between must not bring the record back.
      await root.transaction(() => {
        const old = tokens.get(id);
        if (old) void tokens.put(id, { ...old, lastUsedAt: at });
      });
    },
    async close() {
      await root.close();
    },
  };
}
