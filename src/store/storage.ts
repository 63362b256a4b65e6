import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Database, DatabaseOptions, RootDatabase } from 'lmdb';
import type { Logger } from '../core/logger.js';
import { closeSettled } from './lmdb-close.js';
import { openLmdbEnv } from './lmdb-env.js';
import { migrateLegacyEnvironments } from './legacy-migration.js';

/** The one environment's folder under the data directory. */
export const STORAGE_DIR = 'db';
/**
 * Named databases the environment may hold. Every store's databases together are about forty;
 * the headroom is for stores yet to come. LMDB looks a name up linearly, once per open.
 */
export const STORAGE_MAX_DBS = 128;

/**
 * The gateway's storage: ONE LMDB environment (`<dataDir>/db`) in which every store opens its
 * named databases, each name prefixed by its owner (`queue/messages`, `tenants/tenants` …).
 * One environment means one map, one lock file and one writer: a failed commit anywhere retires
 * and reopens the whole environment (store/lmdb-env.ts), and one free-space watermark covers it.
 * Sync options are LMDB's defaults (never noSync/useWritemap), which the queue's durability
 * reasoning (queue/failure-signal.ts) relies on. Stores write with async transactions
 * (`childTransaction` where a throw must undo the callback's writes), not `transactionSync`: a sync
 * write blocks the main thread on LMDB's write lock, and while a second handle's batch holds that
 * lock waiting for its callbacks on the main thread (a handle retired after a failed commit,
 * lmdb-env.ts) the process never moves again. Only one-off upgrades at open still write synchronously.
 */
export interface Storage {
  /** The data directory; stores that keep an environment of their own (the body archive) live under it. */
  readonly dataDir: string;
  /**
   * One owner's view of the environment: `openDB(name)` opens `<owner>/<name>`, transactions and
   * `committed`/`flushed` are the environment's, and `close()` releases this view (the environment
   * itself closes with the storage).
   */
  open(owner: string): RootDatabase;
  /** Releases the opener's hold; the environment closes once every view is released too. */
  close(): Promise<void>;
}

export interface StorageOptions {
  readonly dataDir: string;
  readonly logger: Logger;
  /**
   * Close the environment when the last view is released, with no hold of the opener's (the CLI's
   * short commands and tests: whoever closes the last store closes the storage).
   */
  readonly closeWithLastStore?: boolean;
}

/**
 * The environment each path has open in this process, shared by every Storage opened on it.
 * LMDB must not be opened twice in one process: lmdb-js shares the native environment but gives
 * each open its own write thread, and a write begun through one while the other's batch waits
 * for its transaction callbacks on the main thread waits for the write lock forever (the process
 * hangs). So a second openStorage of the same data directory (the CLI's commands run in-process,
 * tests reading what a running gateway wrote) joins the open one.
 */
const openEnvironments = new Map<string, SharedEnvironment>();

interface SharedEnvironment {
  readonly root: RootDatabase;
  readonly settle: Database<true, string>;
  users: number;
}

/** Opens `<dataDir>/db`, first copying in the per-folder environments of older versions. */
export function openStorage(options: StorageOptions): Storage {
  const path = resolve(options.dataDir, STORAGE_DIR);
  let shared = openEnvironments.get(path);
  if (shared === undefined) {
    mkdirSync(path, { recursive: true });
    migrateLegacyEnvironments({ dataDir: options.dataDir, path, maxDbs: STORAGE_MAX_DBS, logger: options.logger });
    const root = openLmdbEnv({ path, maxDbs: STORAGE_MAX_DBS });
    shared = { root, settle: root.openDB<true, string>('storage/close', { encoding: 'msgpack' }), users: 0 };
    openEnvironments.set(path, shared);
  }
  shared.users++;
  const env = shared;
  const release = (): Promise<void> => {
    env.users--;
    if (env.users > 0) return Promise.resolve();
    openEnvironments.delete(path);
    // A last no-op write: after a failed batch lmdb's close would wait forever for its flush.
    return closeSettled(env.root, env.settle.remove('\u0000none'));
  };
  return new LmdbStorage(options.dataDir, env.root, options.closeWithLastStore !== true, release);
}

class LmdbStorage implements Storage {
  private views = 0;
  private closing: Promise<void> | undefined;

  constructor(
    readonly dataDir: string,
    private readonly root: RootDatabase,
    private openerHolds: boolean,
    private readonly release: () => Promise<void>,
  ) {}

  open(owner: string): RootDatabase {
    this.views++;
    let released = false;
    const release = (): Promise<void> => {
      if (released) return this.closing ?? Promise.resolve();
      released = true;
      this.views--;
      return this.closeIfFree();
    };
    return ownerView(this.root, owner, release);
  }

  close(): Promise<void> {
    this.openerHolds = false;
    return this.closeIfFree();
  }

  /** This Storage's last hold gone: it leaves the shared environment, which closes with its last user. */
  private closeIfFree(): Promise<void> {
    if (this.openerHolds || this.views > 0) return Promise.resolve();
    this.closing ??= this.release();
    return this.closing;
  }
}

type OpenDbArgs = [string | (DatabaseOptions & { name?: string }), DatabaseOptions?];

/** The root as one owner sees it: names prefixed, close() releasing the view. */
function ownerView(root: RootDatabase, owner: string, release: () => Promise<void>): RootDatabase {
  const openDB = (...[nameOrOptions, options]: OpenDbArgs): Database => {
    if (typeof nameOrOptions === 'string') return root.openDB(`${owner}/${nameOrOptions}`, options ?? {});
    return root.openDB({ ...nameOrOptions, name: `${owner}/${nameOrOptions.name ?? ''}` });
  };
  return new Proxy(root, {
    get: (target, prop) => {
      if (prop === 'openDB') return openDB;
      if (prop === 'close') return release;
      return Reflect.get(target, prop);
    },
  });
}
