import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { loadMigrations, migrate, schemaVersions } from '../../src/store/postgres/migrate.js';
import { openPgPool } from '../../src/store/postgres/pool.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';

describe('PostgreSQL migrations', () => {
  let cluster: TestPostgres;
  const pools: pg.Pool[] = [];
  const poolAt = (url: string) => {
    const pool = openPgPool(url);
    pools.push(pool);
    return pool;
  };
  beforeAll(async () => {
    cluster = await startPostgres();
  });
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.end()));
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  const tables = async (pool: pg.Pool) =>
    (
      await pool.query<{ name: string }>(
        "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
      )
    ).rows.map((r) => r.name);

  it('loads the migration files in version order', async () => {
    const migrations = await loadMigrations();
    expect(migrations.map((m) => m.name).slice(0, 2)).toEqual(['001-stores', '002-log-read-indexes']);
    // Strictly increasing from 1: numbers are reserved for work in progress, so a branch may have a gap.
    const versions = migrations.map((m) => m.version);
    expect(versions[0]).toBe(1);
    expect(versions).toEqual([...new Set(versions)].sort((x, y) => x - y));
  });

  it('migrates an empty database to the latest schema, and then has nothing left to apply', async () => {
    const pool = poolAt(await cluster.freshDatabase());
    const all = await loadMigrations();
    expect(await migrate(pool, all)).toEqual(all.map((m) => m.name));
    expect(await tables(pool)).toEqual([
      'api_tokens',
      'blobs',
      'domain_claims',
      'domain_owners',
      'log_entries',
      'mailbox_link_states',
      'mailbox_links',
      'mailbox_send_counts',
      'meta',
      'mx_bounces',
      'mx_complaints',
      'mx_reply_targets',
      'mx_sent',
      'mx_suppressions',
      'pixel_opens',
      'queue_annotations',
      'queue_bodies',
      'queue_messages',
      'queue_rendered',
      'schema_migrations',
      'sender_settings',
      'shared_counts',
      'tenant_documents',
      'tenant_ips',
      'tenants',
      'webhook_deliveries',
      'webhook_endpoints',
      'webhook_events',
      'webhook_outbox',
    ]);
    expect(await schemaVersions(pool)).toEqual(all.map((m) => m.version));
    expect(await migrate(pool, all)).toEqual([]);
    const storage = await pool.query<{ attstorage: string }>(
      "SELECT attstorage FROM pg_attribute WHERE attrelid = 'blobs'::regclass AND attname = 'bytes'",
    );
    expect(storage.rows[0]?.attstorage).toBe('e');
  });

  it('migrates a database at 001 to 002, applying only 002', async () => {
    const pool = poolAt(await cluster.freshDatabase());
    const all = await loadMigrations();
    expect(await migrate(pool, all.slice(0, 1))).toEqual(['001-stores']);
    await pool.query("INSERT INTO log_entries VALUES ('audit', '01', 't1', 1, '{}')");
    expect(await migrate(pool, all.slice(0, 2))).toEqual(['002-log-read-indexes']);
    const indexes = await pool.query<{ name: string }>(
      "SELECT indexname AS name FROM pg_indexes WHERE tablename = 'log_entries' ORDER BY indexname",
    );
    expect(indexes.rows.map((r) => r.name)).toEqual(['log_entries_by_at', 'log_entries_by_scope', 'log_entries_pkey']);
    expect((await pool.query('SELECT count(*)::int AS n FROM log_entries')).rows[0]).toEqual({ n: 1 });
  });

  it('migrates a database at 002 to the latest, keeping its rows', async () => {
    const pool = poolAt(await cluster.freshDatabase());
    const all = await loadMigrations();
    await migrate(pool, all.slice(0, 2));
    await pool.query("INSERT INTO log_entries VALUES ('audit', '01', 't1', 1, '{}')");
    expect(await migrate(pool, all)).toEqual(all.slice(2).map((m) => m.name));
    expect(await tables(pool)).toContain('meta');
    expect((await pool.query('SELECT count(*)::int AS n FROM log_entries')).rows[0]).toEqual({ n: 1 });
  });

  it('applies each migration once when two nodes migrate at the same moment', async () => {
    const url = await cluster.freshDatabase();
    const all = await loadMigrations();
    const results = await Promise.all([migrate(poolAt(url), all), migrate(poolAt(url), all)]);
    expect(results.flat().sort()).toEqual(all.map((m) => m.name));
    expect(await schemaVersions(poolAt(url))).toEqual(all.map((m) => m.version));
  });

  it('rolls back a failing migration whole, and records nothing for it', async () => {
    const pool = poolAt(await cluster.freshDatabase());
    const broken = [{ version: 1, name: '001-broken', sql: 'CREATE TABLE half (a int); SELECT no_such_function();' }];
    await expect(migrate(pool, broken)).rejects.toMatchObject({ code: 'E_STORAGE' });
    expect(await tables(pool)).toEqual(['schema_migrations']);
    expect(await schemaVersions(pool)).toEqual([]);
  });
});
