import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { GatewayError } from '../../core/gateway-error.js';
import { storageCall, toPgStorageError } from './pg-errors.js';

/** One versioned schema change: `migrations/NNN-name.sql`. */
export interface Migration {
  readonly version: number;
  /** The file name without `.sql`, e.g. `001-stores`. */
  readonly name: string;
  readonly sql: string;
}

/** Next to this file in src/ and in dist/ (the build copies the .sql files). */
export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

/** Every node that starts at once takes this lock before looking at the schema: one applies, the others wait. */
const MIGRATION_LOCK = String(0x706f_7374_626f_6465n); // "postbode" in ASCII; a string: pg has no bigint parameter
const FILE = /^(\d{3})-[a-z0-9-]+\.sql$/;

/** The migrations in a folder, in version order; two files with one version are a build error. */
export async function loadMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => FILE.test(f)).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const version = Number(file.slice(0, 3));
    if (migrations.at(-1)?.version === version)
      throw new GatewayError('E_CONFIG', `two migrations have version ${file.slice(0, 3)}`);
    migrations.push({ version, name: file.slice(0, -'.sql'.length), sql: await readFile(join(dir, file), 'utf8') });
  }
  return migrations;
}

/**
 * Applies the migrations the database has not had yet, in order, each in its own transaction with
 * its row in `schema_migrations`, under an advisory lock. Answers the names it applied.
 */
export async function migrate(pool: pg.Pool, migrations: readonly Migration[]): Promise<string[]> {
  const client = await storageCall('connecting to the database', () => pool.connect());
  try {
    await storageCall('taking the migration lock', () =>
      client.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATION_LOCK]),
    );
    try {
      const applied = await appliedVersions(client);
      const pending = migrations.filter((m) => !applied.has(m.version));
      for (const migration of pending) await apply(client, migration);
      return pending.map((m) => m.name);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK]).catch(() => undefined);
    }
  } finally {
    client.release();
  }
}

async function appliedVersions(client: pg.PoolClient): Promise<Set<number>> {
  return storageCall('reading schema_migrations', async () => {
    await client.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    return new Set(rows.map((r) => r.version));
  });
}

async function apply(client: pg.PoolClient, migration: Migration): Promise<void> {
  try {
    await client.query('BEGIN');
    await client.query(migration.sql);
    await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
      migration.version,
      migration.name,
    ]);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw toPgStorageError(err, `migration ${migration.name}`);
  }
}

/** The versions a database has, in order (for `db migrate` and tests). */
export async function schemaVersions(pool: pg.Pool): Promise<number[]> {
  const { rows } = await storageCall('reading schema_migrations', () =>
    pool.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version'),
  );
  return rows.map((r) => r.version);
}
