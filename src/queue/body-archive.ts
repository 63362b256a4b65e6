import { mkdirSync } from 'node:fs';
import type { Database, RootDatabase } from 'lmdb';
import { openLmdbEnv } from '../store/lmdb-env.js';
import { GatewayError } from '../core/gateway-error.js';
import type { Logger } from '../core/logger.js';
import { guardBatch } from '../store/lmdb-close.js';
import { toStorageError } from '../store/storage-errors.js';
import type { BlobStore } from '../store/blob-store.js';

/**
 * Bodies of finished messages, in an LMDB environment of their own.
 *
 * Why a second environment: LMDB is memory-mapped, and every body delivery reads makes its
 * pages resident in the gateway's mapping. Kept in the queue's environment until the 90-day
 * purge, finished bodies would make file-backed RSS grow with every message ever delivered.
 * Moved here at completion, they free their queue pages for new mail (RSS stays bounded by
 * the pending working set), and the hot path only *writes* here: without useWritemap LMDB
 * writes with pwrite from malloc'd pages, which does not fault the map in. Only the message
 * log (headers, body on request) and DSNs read archived bodies.
 *
 * Durability: default sync options, never noSync/useWritemap; and overlappingSync is off so a
 * put resolves only once its commit is fsynced (no separate flush promise, which lmdb-js may
 * never settle after a failed batch; see FailureSignal).
 */
export class BodyArchive implements BlobStore {
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly root: RootDatabase,
    private readonly bodies: Database<Buffer, string>,
    private readonly logger: Logger,
  ) {}

  /** Opens (and creates) the archive at `path`. Throws GatewayError E_STORAGE. */
  static open(path: string, logger: Logger): BodyArchive {
    try {
      mkdirSync(path, { recursive: true });
      const root = openLmdbEnv({ path, maxDbs: 2, overlappingSync: false });
      return new BodyArchive(root, root.openDB<Buffer, string>('bodies', { encoding: 'binary' }), logger);
    } catch (err) {
      throw new GatewayError('E_STORAGE', `cannot open body archive at ${path}: ${String(err)}`, { cause: err });
    }
  }

  /**
   * Stores a body; resolves true once it is on disk, false when it could not be (logged; the
   * caller then keeps the body in the queue). Never rejects. Puts issued in one event turn
   * share one commit and fsync. Idempotent: the same id stores the same bytes again.
   */
  async put(id: string, body: Buffer): Promise<boolean> {
    try {
      const written = this.bodies.put(id, body);
      guardBatch(this.root);
      await written;
      return true;
    } catch (err) {
      // toStorageError must run synchronously from this catch (see storage-errors.ts).
      const error = await toStorageError(err, 'body archive put');
      this.logger.error(
        { id, code: error.code, reason: error.message },
        'body archive write failed; the body stays in the queue',
      );
      return false;
    }
  }

  get(id: string): Buffer | undefined {
    return this.bodies.get(id);
  }

  /** getBinaryFast lends lmdb's buffer until the next read: only the pages `read` touches fault in. */
  peek<R>(id: string, read: (bytes: Buffer) => R): R | undefined {
    const raw = this.bodies.getBinaryFast(id);
    return raw === undefined ? undefined : read(raw);
  }

  /**
   * Deletes these bodies in one transaction. Never rejects: a failure (full disk) is logged
   * and must not stop the queue's own purge, which is what frees space for new mail.
   */
  async remove(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    try {
      const done = this.root.transaction(() => {
        for (const id of ids) void this.bodies.remove(id);
      });
      guardBatch(this.root);
      await done;
    } catch (err) {
      const error = await toStorageError(err, 'body archive purge');
      this.logger.error(
        { count: ids.length, code: error.code, reason: error.message },
        'body archive purge failed; those bodies stay archived',
      );
    }
  }

  /** Waits for pending writes, then closes. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<void> {
    // Same reason as closeStores: give close() a last batch that finishes after a failed one.
    const done = this.bodies.remove('\u0000').then(
      () => undefined,
      () => undefined,
    );
    guardBatch(this.root);
    await done;
    await this.root.close();
  }
}
