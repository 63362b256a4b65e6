import { afterAll, beforeAll, expect, it } from 'vitest';
import { isGatewayError } from '../../src/core/gateway-error.js';
import { openPgPool } from '../../src/store/postgres/pool.js';
import { inTransaction } from '../../src/store/postgres/pg-transaction.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { waitFor } from '../helpers/wait-for.js';

let cluster: TestPostgres;

beforeAll(async () => {
  cluster = await startPostgres();
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

it('a connection lost between two statements rejects the transaction with E_STORAGE, crashing nothing', async () => {
  const url = await cluster.freshDatabase();
  const pool = openPgPool(url);
  const admin = openPgPool(url);
  try {
    const result = await inTransaction(pool, 'a test transaction', async (client) => {
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await admin.query('SELECT pg_terminate_backend($1)', [rows[0]?.pid]);
      // Between statements: the server's goodbye arrives as an 'error' event on the checked-out client.
      await waitFor(
        () => (client as unknown as { _ending?: boolean; _queryable?: boolean })._queryable === false,
        5_000,
      );
      await client.query('SELECT 1');
    }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isGatewayError(result) && result.code).toBe('E_STORAGE');
    // The pool hands out a working connection afterwards.
    expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows[0]?.one).toBe(1);
  } finally {
    await pool.end();
    await admin.end();
  }
});
