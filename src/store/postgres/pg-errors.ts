import { GatewayError } from '../../core/gateway-error.js';

/** SQLSTATE class 53 "insufficient resources": 53100 is disk_full. */
const DISK_FULL = '53100';

/**
 * What the driver throws (a refused connection, a server error with its SQLSTATE) as GatewayError
 * E_STORAGE_FULL / E_STORAGE, like the LMDB stores answer. The driver's messages never carry the
 * connection URL, so none leaks into a log line.
 */
export function toPgStorageError(err: unknown, action: string): GatewayError {
  if (err instanceof GatewayError) return err;
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  const detail = err instanceof Error ? err.message : String(err);
  const suffix = typeof code === 'string' ? ` (code ${code})` : '';
  return new GatewayError(code === DISK_FULL ? 'E_STORAGE_FULL' : 'E_STORAGE', `${action} failed: ${detail}${suffix}`, {
    cause: err,
  });
}

/** Runs a store operation, answering its failure as a GatewayError. */
export async function storageCall<R>(action: string, call: () => Promise<R>): Promise<R> {
  try {
    return await call();
  } catch (err) {
    throw toPgStorageError(err, action);
  }
}
