import { open, type Key, type RootDatabase, type RootDatabaseOptionsWithPath } from 'lmdb';
import { GatewayError } from '../core/gateway-error.js';
import { isLmdbCommitFailure, isStorageFull } from './storage-errors.js';

/**
 * The one way Postbode opens an LMDB environment.
 *
 * Why: after a failed commit (disk full, I/O error) lmdb-js's write path in that handle is not
 * safe to use again: writing on kept the native side computing negative buffer sizes until
 * the heap was corrupt and the process aborted. So the first failed commit retires the handle:
 * no new write reaches it, and once every write already queued on it has settled (failed like
 * the one that failed, or committed), a fresh handle on the same files takes its place (LMDB
 * itself aborted the failed transaction, so what is on disk is the last good commit) and the
 * old one is closed without another write. The process stays up.
 *
 * The fresh handle must not open earlier: two handles of one environment in one process each
 * have their own write thread but share LMDB's write lock, and the old thread holds that lock
 * while it waits for the main thread to run its transaction callbacks. A write begun on the
 * fresh handle in that window blocked the main thread in `mdb_txn_begin` for good (seen with
 * gdb). So while the old handle drains, reads still go to it, async writes wait and then go to
 * the fresh handle, and synchronous writes fail at once with E_STORAGE_FULL (they cannot wait).
 *
 * The stores keep the objects they were given: the root and every `openDB` result are
 * stand-ins that always forward to the current handle, so a store changes one line (`open`
 * becomes `openLmdbEnv`).
 */
export function openLmdbEnv<V = unknown, K extends Key = Key>(
  options: RootDatabaseOptionsWithPath,
): RootDatabase<V, K> {
  const env = new LmdbEnv(options);
  return env.standIn(() => env.root) as unknown as RootDatabase<V, K>;
}

/** Methods that write: after a failure they must never reach the failed handle. */
const WRITES: ReadonlySet<PropertyKey> = new Set([
  'put',
  'remove',
  'del',
  'putSync',
  'removeSync',
  'transaction',
  'transactionAsync',
  'transactionSync',
  'childTransaction',
  'ifVersion',
  'ifNoExists',
  'batch',
  'drop',
  'dropSync',
  'clearAsync',
  'clearSync',
]);
/** Writes that return their outcome at once: they cannot wait for a swap of handles. */
const SYNC_WRITES: ReadonlySet<PropertyKey> = new Set([
  'putSync',
  'removeSync',
  'transactionSync',
  'dropSync',
  'clearSync',
]);
/**
 * How long a retired handle may take to close. lmdb's close() first waits for the flush of the
 * last batch, which a failed batch never gives (see queue/failure-signal.ts); by then its write
 * thread has long finished, so the native environment is closed directly. Without that the
 * files would stay open, and deleted files on a full disk would free nothing.
 */
const RETIRE_WAIT_MS = 1_000;
/** How long a failed handle's queued writes may take to settle before its replacement opens anyway. */
const DRAIN_WAIT_MS = 5_000;

type Handle = Record<PropertyKey, unknown>;
type OpenArgs = unknown[];

class LmdbEnv {
  root: RootDatabase;
  private generation = 0;
  private failedGeneration = -1;
  private readonly subs: Array<{ readonly args: OpenArgs; db: Handle }> = [];
  private readonly retiring: Array<Promise<unknown>> = [];
  private closed = false;
  private guarding = false;
  /** Handles written to in this event turn, whose batch promise is handled at its end. */
  private readonly unguarded = new Set<RootDatabase>();
  /** Writes forwarded to the current handle that have not settled yet. */
  private inFlight = 0;
  private drained: (() => void) | undefined;
  /** Set while a failed handle drains: async writes wait for it, then go to the fresh handle. */
  private swap: Promise<boolean> | undefined;

  constructor(private readonly options: RootDatabaseOptionsWithPath) {
    this.root = open(options);
  }

  /** A Proxy that forwards every property to `current()`, watching what writes return. */
  standIn(current: () => object): object {
    const cache = new Map<PropertyKey, { generation: number; fn: unknown }>();
    return new Proxy(
      {},
      {
        get: (_t, prop) => {
          if (prop === 'openDB') return (...args: OpenArgs) => this.openSub(args);
          if (prop === 'close') return () => this.close();
          const target = current() as Handle;
          const value = Reflect.get(target, prop, target);
          if (typeof value !== 'function') return value;
          if (this.closed) return closedStore;
          const hit = cache.get(prop);
          if (hit?.generation === this.generation) return hit.fn;
          const fn = this.forward(current, prop);
          cache.set(prop, { generation: this.generation, fn });
          return fn;
        },
        has: (_t, prop) => Reflect.has(current(), prop),
      },
    );
  }

  private openSub(args: OpenArgs): object {
    const sub = { args, db: this.openOn(this.root, args) };
    this.subs.push(sub);
    return this.standIn(() => sub.db);
  }

  private openOn(root: RootDatabase, args: OpenArgs): Handle {
    return (root.openDB as (...a: OpenArgs) => unknown)(...args) as Handle;
  }

  private forward(current: () => object, prop: PropertyKey): (...args: unknown[]) => unknown {
    if (WRITES.has(prop)) return (...args: unknown[]) => this.write(current, prop, args);
    return (...args: unknown[]) => this.call(current, prop, args);
  }

  private call(current: () => object, prop: PropertyKey, args: unknown[]): unknown {
    const target = current() as Handle;
    const generation = this.generation;
    try {
      return (target[prop] as (...a: unknown[]) => unknown).apply(target, args);
    } catch (err) {
      this.onError(err, generation);
      throw err;
    }
  }

  /** A write on the current handle, counted until it settles so a swap knows when the handle is idle. */
  private write(current: () => object, prop: PropertyKey, args: unknown[]): unknown {
    // A reopen that failed before: try again.
    if (this.failedGeneration === this.generation && this.swap === undefined) this.retireFailed();
    const swap = this.swap;
    if (swap !== undefined) {
      if (SYNC_WRITES.has(prop)) throw recovering();
      return swap.then((reopened) => (reopened ? this.write(current, prop, args) : Promise.reject(recovering())));
    }
    const generation = this.generation;
    const root = this.root;
    const result = this.call(current, prop, args);
    if (isThenable(result)) {
      this.inFlight++;
      result.then(
        () => this.settled(generation),
        (err: unknown) => {
          // A failed batch may be followed by one lmdb started after this turn's guard ran: handle its promise too.
          root.committed.then(
            () => undefined,
            () => undefined,
          );
          this.settled(generation);
          this.onError(err, generation);
        },
      );
      this.guardBatch(root);
    }
    return result;
  }

  private settled(generation: number): void {
    if (generation !== this.generation) return;
    this.inFlight--;
    if (this.inFlight === 0) this.drained?.();
  }

  /**
   * lmdb-js starts each event-turn batch with an internal write whose promise it drops; when the
   * batch fails that rejection would be unhandled (and kill the process). Once lmdb's own
   * setImmediate has started the batch, `committed` is that promise: handle it, once per turn and
   * handle (a turn that swapped handles wrote to both).
   */
  private guardBatch(root: RootDatabase): void {
    this.unguarded.add(root);
    if (this.guarding) return;
    this.guarding = true;
    setImmediate(() => {
      this.guarding = false;
      for (const written of this.unguarded)
        written.committed.then(
          () => undefined,
          () => undefined,
        );
      this.unguarded.clear();
    });
  }

  private onError(err: unknown, generation: number): void {
    if (!isLmdbCommitFailure(err) && !isStorageFull(err)) return;
    // lmdb's cause travels on a second promise; whoever classifies it listens too, but it must never go unhandled.
    const cause = (err as { commitError?: unknown }).commitError;
    if (cause instanceof Promise) cause.catch(() => undefined);
    if (generation !== this.generation || this.closed) return; // the old handle's queued writes failing after it
    this.failedGeneration = generation;
    if (!this.swap) this.retireFailed();
  }

  /** No new write reaches the failed handle; once its queued writes settled, a fresh handle replaces it. */
  private retireFailed(): void {
    this.swap = this.idle()
      .then(() => this.reopen())
      .finally(() => {
        this.swap = undefined;
      });
  }

  /**
   * Settles when the failed handle's queued writes did, or after DRAIN_WAIT_MS: a write lmdb never
   * settles must not keep every later write waiting (the main thread is free meanwhile, so the old
   * write thread gets its callbacks; the bound is for what should not happen).
   */
  private idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.drained = undefined;
        process.emitWarning(
          `LMDB environment ${this.options.path}: ${this.inFlight} writes of the failed handle did not settle ` +
            `within ${DRAIN_WAIT_MS} ms; reopening anyway`,
          { code: 'POSTBODE_LMDB_DRAIN_TIMEOUT' },
        );
        resolve();
      }, DRAIN_WAIT_MS);
      this.drained = () => {
        clearTimeout(timer);
        this.drained = undefined;
        resolve();
      };
    });
  }

  /** Opens a fresh handle, re-opens every named database on it, retires the failed one; false if it could not. */
  private reopen(): boolean {
    if (this.closed) return false;
    const old = this.root;
    let fresh: RootDatabase;
    try {
      fresh = open(this.options);
      for (const sub of this.subs) sub.db = this.openOn(fresh, sub.args);
    } catch (err) {
      process.emitWarning(
        `LMDB environment ${this.options.path} could not be reopened after a failed commit: ${String(err)}`,
        { code: 'POSTBODE_LMDB_REOPEN_FAILED' },
      );
      return false;
    }
    this.root = fresh;
    this.generation++;
    this.inFlight = 0;
    this.retiring.push(retire(old));
    process.emitWarning(`LMDB environment ${this.options.path} reopened after a failed commit (disk full?)`, {
      code: 'POSTBODE_LMDB_REOPENED',
    });
    return true;
  }

  private async close(): Promise<void> {
    this.closed = true;
    await this.swap;
    await Promise.all(this.retiring);
    await this.root.close();
  }
}

/** What a synchronous write meets while a failed handle drains: the disk was full a moment ago. */
function recovering(): GatewayError {
  return new GatewayError('E_STORAGE_FULL', 'storage is recovering from a failed write (disk full?); try again');
}

/**
 * Any call once the store is closing. lmdb keeps answering reads while its close waits for the
 * last writes to flush, and a read in that window arms a timer that later throws out of lmdb
 * itself (an uncaught exception); callers still running at shutdown get this error instead.
 */
function closedStore(): never {
  throw new GatewayError('E_STORAGE', 'the store is closed (the gateway is stopping)');
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * Closes a failed handle without writing to it: lmdb's own close, else (it hung) the native close it would have made.
 */
async function retire(old: RootDatabase): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<'hung'>((resolve) => {
    timer = setTimeout(resolve, RETIRE_WAIT_MS, 'hung');
  });
  const closing = old.close().then(
    () => 'closed' as const,
    () => 'closed' as const,
  );
  const outcome = await Promise.race([closing, limit]).finally(() => clearTimeout(timer));
  if (outcome === 'closed') return;
  const handle = old as unknown as { status: string; env?: { address: number; close(): void } };
  if (handle.status === 'closed' || !handle.env) return;
  handle.env.address = 0;
  try {
    handle.env.close();
  } catch {
    // already closed by lmdb after all
  }
  handle.status = 'closed';
}
