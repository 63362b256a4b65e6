import { GatewayError } from '../core/gateway-error.js';

/**
 * Turns what lmdb-js and the OS throw into GatewayError E_STORAGE_FULL / E_STORAGE.
 *
 * lmdb-js (3.5.6) rejects every write of a failed batch with the same generic
 * `Error('Commit failed (see commitError for details)')`; the real cause (e.g. `code: 5`
 * "Input/output error" on a full tmpfs, ENOSPC on a full disk) arrives through the separate
 * promise `err.commitError`, which lmdb rejects in the same native callback. Nobody else
 * listens to that promise, so we must attach a handler to it or Node reports an unhandled
 * rejection.
 */

const LMDB_COMMIT_FAILED = 'Commit failed (see commitError for details)';
/** errno names and numbers (Linux) and LMDB codes that mean "no room to write". */
const FULL_CODES: ReadonlySet<string | number> = new Set([
  'ENOSPC',
  'EDQUOT',
  'EIO',
  'MDB_MAP_FULL',
  28,
  122,
  5,
  -30792,
]);
const FULL_TEXT = /no space left|disk quota|input\/output error|MDB_MAP_FULL|mapsize limit/i;

/** Disk full, quota, or the I/O error a full filesystem gives on write-back (EIO counts: same reply). */
export function isStorageFull(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const code = (err as { code?: unknown }).code;
  if ((typeof code === 'string' || typeof code === 'number') && FULL_CODES.has(code)) return true;
  const message = (err as { message?: unknown }).message;
  return typeof message === 'string' && FULL_TEXT.test(message);
}

/** The rejection lmdb-js raises for a failed commit (also what reaches `unhandledRejection` if missed). */
export function isLmdbCommitFailure(err: unknown): boolean {
  return err instanceof Error && err.message === LMDB_COMMIT_FAILED;
}

function commitErrorOf(err: unknown): Promise<unknown> | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const pending = (err as { commitError?: unknown }).commitError;
  return pending instanceof Promise ? pending : undefined;
}

/**
 * Classifies a failed write. Must be called synchronously from the catch that received the
 * error: the handler on `commitError` is attached before the first await, inside the same
 * microtask run, so Node never sees that rejection unhandled.
 */
export async function toStorageError(err: unknown, action: string): Promise<GatewayError> {
  if (err instanceof GatewayError) return err;
  const pending = commitErrorOf(err);
  const settled = pending?.then(
    () => undefined,
    (cause: unknown) => cause,
  );
  const detail = (settled ? await firstOf(settled) : undefined) ?? err;
  const code = isStorageFull(detail) || isStorageFull(err) ? 'E_STORAGE_FULL' : 'E_STORAGE';
  return new GatewayError(code, `${action} failed: ${describe(detail)}`, { cause: detail });
}

/**
 * lmdb settles `commitError` in the callback that failed the write, usually by the next
 * macrotask; on a busy machine it can come a little later (a full disk then answered 451
 * instead of 452 now and then), so wait up to COMMIT_ERROR_WAIT_MS, and fall back after that
 * instead of waiting forever. Only failed writes wait.
 */
const COMMIT_ERROR_WAIT_MS = 200;

function firstOf(settled: Promise<unknown>): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const fallback = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, COMMIT_ERROR_WAIT_MS, undefined);
  });
  return Promise.race([settled, fallback]).finally(() => clearTimeout(timer));
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return code === undefined ? err.message : `${err.message} (code ${String(code)})`;
  }
  return String(err);
}
