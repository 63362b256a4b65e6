import type pg from 'pg';
import { loadMigrations, migrate } from '../../src/store/postgres/migrate.js';
import { openPgPool } from '../../src/store/postgres/pool.js';
import type { TestPostgres } from './postgres.js';

/**
 * A fresh, migrated database of the test cluster, and a pool per "node" on it: each `node()` is
 * what one gateway process would open. `end()` closes every pool it made.
 */
export interface PgNodes {
  readonly url: string;
  node(): pg.Pool;
  end(): Promise<void>;
}

export async function pgNodes(cluster: TestPostgres): Promise<PgNodes> {
  const url = await cluster.freshDatabase();
  const pools: pg.Pool[] = [];
  const node = () => {
    const pool = openPgPool(url);
    pools.push(pool);
    return pool;
  };
  await migrate(node(), await loadMigrations());
  return { url, node, end: async () => void (await Promise.all(pools.splice(0).map((p) => p.end()))) };
}
