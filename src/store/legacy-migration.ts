import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
import { GatewayError } from '../core/gateway-error.js';
import type { Logger } from '../core/logger.js';

/**
 * Before one environment, each store had its own under the data directory: `<dataDir>/<folder>`.
 * Each is copied into the one environment as `<owner>/<its database name>`. The body archive
 * (`queue-archive`) keeps its own environment and the capture mailbox is plain files: neither is here.
 */
export const LEGACY_FOLDERS: Readonly<Record<string, string>> = {
  queue: 'queue',
  config: 'tenants',
  sender: 'sender',
  content: 'content',
  tracking: 'opens',
  limits: 'limits',
  domains: 'domains',
  gmail: 'gmail',
  mx: 'mx',
  auth: 'auth',
  audit: 'audit',
};

/** MDB_DUPSORT in the flags of a database's record in the main database (MDB_db.md_flags, offset 4). */
const MDB_DUPSORT = 0x04;
const RAW = { encoding: 'binary', keyEncoding: 'binary' } as const;

export interface MigrationTarget {
  readonly dataDir: string;
  /** The one environment's folder. */
  readonly path: string;
  readonly maxDbs: number;
  readonly logger: Logger;
}

/**
 * Copies every legacy environment that exists into the one at `target.path`, byte for byte (keys
 * and values as stored, so msgpack records, shared structures and duplicate-sorted entries come
 * across unchanged), one transaction per legacy environment; then renames its folder
 * `<folder>.migrated` for the operator to delete. A crash between the commit and the rename only
 * means the next start copies the same bytes again.
 */
export function migrateLegacyEnvironments(target: MigrationTarget): void {
  const legacy = Object.keys(LEGACY_FOLDERS).filter((folder) => existsSync(join(target.dataDir, folder, 'data.mdb')));
  if (legacy.length === 0) return;
  const into = open({ path: target.path, maxDbs: target.maxDbs, ...RAW });
  try {
    for (const folder of legacy) migrateOne(target, into, folder);
  } catch (err) {
    // Nothing is lost: the old folders that were not copied stay as they were, and the next start tries again.
    throw new GatewayError('E_STORAGE', `cannot copy the older storage folders into ${target.path}: ${String(err)}`, {
      cause: err,
    });
  } finally {
    into.close();
  }
}

function migrateOne(target: MigrationTarget, into: RootDatabase, folder: string): void {
  const path = join(target.dataDir, folder);
  const from = open({ path, maxDbs: target.maxDbs, ...RAW });
  let entries = 0;
  const names = namedDatabases(from);
  try {
    into.transactionSync(() => {
      for (const { name, dupSort } of names) {
        const source = from.openDB({ name, dupSort, ...RAW });
        const dest = into.openDB({ name: `${LEGACY_FOLDERS[folder]}/${name}`, dupSort, ...RAW });
        entries += copyAll(source, dest);
      }
    });
  } finally {
    from.close();
  }
  renameSync(path, `${path}.migrated`);
  target.logger.info(
    { from: path, to: target.path, databases: names.length, entries, keptAt: `${path}.migrated` },
    'copied a storage folder of an older version into the one environment (delete the .migrated folder when done)',
  );
}

/** The named databases of an environment: the keys of its main database, with their flags. */
function namedDatabases(root: RootDatabase): Array<{ name: string; dupSort: boolean }> {
  const out: Array<{ name: string; dupSort: boolean }> = [];
  for (const { key, value } of root.getRange({})) {
    const raw = key as Buffer;
    const record = value as Buffer;
    // lmdb-js stores a database's name with a terminating NUL.
    const name = raw.toString('utf8').replace(/\u0000$/, '');
    out.push({ name, dupSort: (record.readUInt16LE(4) & MDB_DUPSORT) !== 0 });
  }
  return out;
}

function copyAll(source: Database, dest: Database): number {
  let n = 0;
  for (const { key, value } of source.getRange({})) {
    dest.putSync(key, value);
    n++;
  }
  return n;
}
