import type pg from 'pg';
import { storageCall } from '../../store/postgres/pg-errors.js';
import { inTransaction, lockKey } from '../../store/postgres/pg-transaction.js';
import { MAX_TOKENS_PER_TENANT, type ApiTokenRecord, type TokenStore } from './token-store.js';

const ADMIN_OWNER = 'admin';

/**
 * TokenStore on PostgreSQL (migration 006): a row per token in `api_tokens`, the record (with the
 * hash of the secret, never the secret) as jsonb, indexed by owner (a tenant id or 'admin').
 * Nothing is cached: a token revoked on one node is refused by the next request on any node.
 */
export function openPgTokenStore(pool: pg.Pool): TokenStore {
  const ownerOf = (r: ApiTokenRecord): string => (r.kind === 'admin' ? ADMIN_OWNER : (r.tenantId ?? ''));
  const insert = (client: pg.Pool | pg.PoolClient, r: ApiTokenRecord) =>
    client.query('INSERT INTO api_tokens (id, owner, doc) VALUES ($1, $2, $3)', [r.id, ownerOf(r), JSON.stringify(r)]);
  return {
    async get(id) {
      const { rows } = await storageCall('reading a token', () =>
        pool.query<{ doc: ApiTokenRecord }>('SELECT doc FROM api_tokens WHERE id = $1', [id]),
      );
      return rows[0]?.doc;
    },
    async create(record) {
      await storageCall('storing a token', () => insert(pool, record));
    },
    async createFirstAdmin(record) {
      // Nodes starting at once each try: the lock makes their check-and-insert one after the other.
      return await inTransaction(pool, 'storing the first admin token', async (client) => {
        await lockKey(client, 'api_tokens:first-admin');
        const { rowCount } = await client.query('SELECT 1 FROM api_tokens WHERE owner = $1 LIMIT 1', [ADMIN_OWNER]);
        if ((rowCount ?? 0) > 0) return false;
        await insert(client, record);
        return true;
      });
    },
    async listForTenant(tenantId, limit) {
      const { rows } = await storageCall('listing tokens', () =>
        pool.query<{ doc: ApiTokenRecord }>('SELECT doc FROM api_tokens WHERE owner = $1 ORDER BY id LIMIT $2', [
          tenantId,
          Math.max(0, limit),
        ]),
      );
      return rows.map((r) => r.doc);
    },
    async remove(id) {
      const { rowCount } = await storageCall('removing a token', () =>
        pool.query('DELETE FROM api_tokens WHERE id = $1', [id]),
      );
      return (rowCount ?? 0) > 0;
    },
    async removeForTenant(tenantId) {
      const { rowCount } = await storageCall('removing tokens', () =>
        pool.query(
          `DELETE FROM api_tokens WHERE id IN (
             SELECT id FROM api_tokens WHERE owner = $1 ORDER BY id LIMIT $2)`,
          [tenantId, MAX_TOKENS_PER_TENANT * 2],
        ),
      );
      return rowCount ?? 0;
    },
    async touch(id, at) {
      // One statement: a revoke in between cannot bring the record back (no row, nothing updated).
      await storageCall('recording token use', () =>
        pool.query(`UPDATE api_tokens SET doc = jsonb_set(doc, '{lastUsedAt}', to_jsonb($2::bigint)) WHERE id = $1`, [
          id,
          at,
        ]),
      );
    },
    async close() {},
  };
}
