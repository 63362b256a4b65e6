import type pg from 'pg';
import type { Config } from '../../config/schema.js';
import { loadMigrations, migrate } from '../../store/postgres/migrate.js';
import { openPgPool } from '../../store/postgres/pool.js';
import { openTenantStore, type TenantStore } from '../../tenants/lmdb-tenant-store.js';
import { openPgSenderSettingsStore } from '../../tenants/pg-sender-settings-store.js';
import { openPgTenantStore } from '../../tenants/pg-tenant-store.js';
import { openSenderSettingsStore, type SenderSettingsStore } from '../../tenants/sender-settings-store.js';
import { openAuditLog, type AuditLog } from '../audit/audit-log.js';
import { openPgAuditLog } from '../audit/pg-audit-log.js';
import { openPgTokenStore } from '../auth/pg-token-store.js';
import { openTokenStore, type TokenStore } from '../auth/token-store.js';
import { cliStorage } from './cli-storage.js';

/** The stores a tenant or token command uses; each opens when first asked for, once. */
export interface CliStores {
  tenants(): TenantStore;
  tokens(): TokenStore;
  /** On PostgreSQL this loads the settings and listens for changes until the command ends. */
  senderSettings(): Promise<SenderSettingsStore>;
  /** The audit log the gateway's API writes: the CLI's changes go beside them, as actor `cli`. */
  audit(): AuditLog;
}

type Closable = { close(): Promise<void> };

/**
 * Runs one command on the stores the gateway reads: the node's LMDB (in `<dataDir>/db`, which both
 * processes use at once), or, with `store.backend: postgres`, the shared database, migrated first
 * as a node's start does (a CLI run before the first node finds the tables). Every store it opened
 * is closed after, and the pool ended, so that the process exits at once.
 */
export async function withCliStores<T>(config: Config, action: (stores: CliStores) => Promise<T>): Promise<T> {
  const pool = config.store.backend === 'postgres' ? await openMigrated(config.store.postgres.url ?? '') : undefined;
  const opened: Closable[] = [];
  const keep = <S extends Closable>(store: S): S => {
    opened.push(store);
    return store;
  };
  try {
    return await action(pool === undefined ? lmdbStores(config, keep) : pgStores(pool, config, keep));
  } finally {
    try {
      for (const store of opened.reverse()) await store.close();
    } finally {
      await pool?.end();
    }
  }
}

type Keep = <S extends Closable>(store: S) => S;

function lmdbStores(config: Config, keep: Keep): CliStores {
  const bounceLocalPart = config.platform.bounceLocalPart;
  return memoized({
    tenants: () => keep(openTenantStore(cliStorage(config))),
    tokens: () => keep(openTokenStore(cliStorage(config))),
    senderSettings: async () => keep(openSenderSettingsStore(cliStorage(config), { bounceLocalPart })),
    audit: () => keep(openAuditLog(cliStorage(config))),
  });
}

function pgStores(pool: pg.Pool, config: Config, keep: Keep): CliStores {
  const bounceLocalPart = config.platform.bounceLocalPart;
  return memoized({
    tenants: () => keep(openPgTenantStore(pool)),
    tokens: () => keep(openPgTokenStore(pool)),
    senderSettings: async () => keep(await openPgSenderSettingsStore(pool, { bounceLocalPart })),
    audit: () => keep(openPgAuditLog(pool)),
  });
}

function memoized(open: CliStores): CliStores {
  let tenants: TenantStore | undefined;
  let tokens: TokenStore | undefined;
  let sender: Promise<SenderSettingsStore> | undefined;
  let audit: AuditLog | undefined;
  return {
    tenants: () => (tenants ??= open.tenants()),
    tokens: () => (tokens ??= open.tokens()),
    senderSettings: () => (sender ??= open.senderSettings()),
    audit: () => (audit ??= open.audit()),
  };
}

/** Two connections: a command's transaction holds one while a cache loads on the other. */
async function openMigrated(url: string): Promise<pg.Pool> {
  const pool = openPgPool(url, { max: 2 });
  try {
    await migrate(pool, await loadMigrations());
    return pool;
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
}
