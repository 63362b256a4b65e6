import type pg from 'pg';
import { toPgStorageError } from './pg-errors.js';

/** SQLSTATE 23505: a unique index refused the row (another node, or this one, holds that key). */
const UNIQUE_VIOLATION = '23505';

/** Whether the driver's error is a unique index refusing a row (optionally: that index). */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; constraint?: unknown };
  return e.code === UNIQUE_VIOLATION && (constraint === undefined || e.constraint === constraint);
}

/**
 * Runs `work` in one transaction on one connection of the pool: committed when it resolves,
 * rolled back when it throws. A GatewayError thrown by `work` (E_TENANT_EXISTS …) reaches the
 * caller as it is; whatever else fails (the connection, the server) as E_STORAGE.
 */
export async function inTransaction<R>(
  pool: pg.Pool,
  action: string,
  work: (client: pg.PoolClient) => Promise<R>,
): Promise<R> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    throw toPgStorageError(err, action);
  }
  let broken: Error | undefined;
  // A connection lost between two statements (a server restart) emits 'error' on the client, which the pool
  // listens for only while the client is idle in it: without this the process would crash.
  const lost = (err: Error) => {
    broken = err;
  };
  client.on('error', lost);
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch((rollbackErr: Error) => {
      broken = rollbackErr;
    });
    throw toPgStorageError(err, action);
  } finally {
    // A connection whose rollback failed (or that was lost) must not be handed out again.
    client.off('error', lost);
    client.release(broken);
  }
}

/** Serialises the transactions that pass the same key until they end (a lock of the whole cluster). */
export async function lockKey(client: pg.PoolClient, key: string): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [key]);
}
