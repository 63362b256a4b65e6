import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayError } from '../../src/core/gateway-error.js';
import type { TenantDocuments } from '../../src/store/tenant-documents.js';
import { loadMigrations, migrate } from '../../src/store/postgres/migrate.js';
import { openPgAppendLog } from '../../src/store/postgres/pg-append-log.js';
import { openPgTenantDocuments } from '../../src/store/postgres/pg-tenant-documents.js';
import { openPgPool } from '../../src/store/postgres/pool.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { waitFor } from '../helpers/wait-for.js';
import { appendLogContract, type Note } from './append-log-contract.js';
import { tenantDocumentsContract } from './tenant-documents-contract.js';

// One cluster for the file; a fresh, migrated database per test.
let cluster: TestPostgres;
beforeAll(async () => {
  cluster = await startPostgres();
});
afterAll(async () => {
  await cluster?.stop();
});

async function migratedPool(): Promise<pg.Pool> {
  const pool = openPgPool(await cluster.freshDatabase());
  await migrate(pool, await loadMigrations());
  return pool;
}

// The disk-full case is a local filesystem's; a database server's failure is "unreachable" below.
tenantDocumentsContract(
  'PostgreSQL (a row per tenant, cache kept fresh by LISTEN/NOTIFY)',
  async () => {
    const pool = await migratedPool();
    return { open: () => openPgTenantDocuments(pool, 'contract/documents'), cleanup: () => pool.end() };
  },
  { localDisk: false },
);

appendLogContract('PostgreSQL (rows of log_entries)', async () => {
  const pool = await migratedPool();
  return { open: () => openPgAppendLog<Note>(pool, 'contract/notes', (e) => e.scope), cleanup: () => pool.end() };
});

describe('PostgreSQL pool', () => {
  it('commits with synchronous_commit on even where the database default says off', async () => {
    const url = await cluster.freshDatabase();
    const admin = openPgPool(url);
    const pool = openPgPool(url);
    try {
      await admin.query(`ALTER DATABASE ${url.split('/').at(-1)} SET synchronous_commit = off`);
      const { rows } = await pool.query<{ synchronous_commit: string }>('SHOW synchronous_commit');
      expect(rows[0]?.synchronous_commit).toBe('on');
    } finally {
      await Promise.all([admin.end(), pool.end()]);
    }
  });
});

interface Doc {
  readonly mode: string;
}

describe('PostgreSQL TenantDocuments on two nodes', () => {
  const opened: { docs: TenantDocuments<Doc>[]; pools: pg.Pool[] } = { docs: [], pools: [] };
  const node = async (url: string, store = 'sender/settings') => {
    const pool = openPgPool(url);
    opened.pools.push(pool);
    const docs = await openPgTenantDocuments<Doc>(pool, store);
    opened.docs.push(docs);
    return docs;
  };
  afterEach(async () => {
    await Promise.all(opened.docs.splice(0).map((d) => d.close()));
    await Promise.all(opened.pools.splice(0).map((p) => p.end()));
  });

  it('shows a change made on one node on the other within a second, removals included', async () => {
    const pool = await migratedPool();
    opened.pools.push(pool);
    const url = await databaseOf(pool);
    const [a, b, other] = [await node(url), await node(url), await node(url, 'content/settings')];
    await a.put('t1', { mode: 'forwarding' });
    await waitFor(() => b.get('t1')?.mode === 'forwarding', 1_000, 'the put on node B');
    await b.put('t1', { mode: 'gmail' });
    await waitFor(() => a.get('t1')?.mode === 'gmail', 1_000, 'the second put on node A');
    expect(await a.remove('t1')).toBe(true);
    await waitFor(() => b.get('t1') === undefined, 1_000, 'the removal on node B');
    expect([...other.tenantIds()]).toEqual([]);
  });

  it('rejects writes with E_STORAGE while the database is unreachable, serves reads, and recovers', async () => {
    const pool = await migratedPool();
    opened.pools.push(pool);
    const url = await databaseOf(pool);
    const [a, b] = [await node(url), await node(url)];
    await a.put('t1', { mode: 'forwarding' });
    await waitFor(() => b.get('t1'), 1_000, 'the first put on node B');
    await cluster.halt();
    try {
      const failed = await a.put('t1', { mode: 'gmail' }).catch((err: GatewayError) => err);
      expect(failed).toMatchObject({ code: 'E_STORAGE' });
      expect(a.get('t1')).toEqual({ mode: 'forwarding' });
    } finally {
      await cluster.resume();
    }
    await a.put('t1', { mode: 'own-smtp' });
    // B's listening connection died with the server: it reconnects and reloads by itself.
    await waitFor(() => b.get('t1')?.mode === 'own-smtp', 8_000, 'node B after the restart');
  });
});

describe('PostgreSQL AppendLog', () => {
  it('rejects with E_STORAGE while the database is unreachable, and appends again after', async () => {
    const pool = await migratedPool();
    const log = openPgAppendLog<Note>(pool, 'audit', (e) => e.scope);
    try {
      await log.append({ at: 1, text: 'before' });
      await cluster.halt();
      try {
        await expect(log.append({ at: 2, text: 'during' })).rejects.toMatchObject({ code: 'E_STORAGE' });
        await expect(log.read({ limit: 10 })).rejects.toMatchObject({ code: 'E_STORAGE' });
      } finally {
        await cluster.resume();
      }
      await log.append({ at: 3, text: 'after' });
      expect((await log.read({ limit: 10 })).entries.map((e) => e.text)).toEqual(['after', 'before']);
    } finally {
      await log.close();
      await pool.end();
    }
  });
});

async function databaseOf(pool: pg.Pool): Promise<string> {
  const { rows } = await pool.query<{ name: string }>('SELECT current_database() AS name');
  return cluster.url.replace(/\/postgres$/, `/${rows[0]?.name}`);
}
