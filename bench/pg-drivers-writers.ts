/**
 * The accept path written each way the comparison measures: a message's record and its body in one
 * transaction, resolved after its commit. `roundTrips` counts the requests each waited on the server.
 */
import pg from 'pg';
import postgres from 'postgres';
import { groupCommit } from './pg-group-commit.js';

export interface Accept {
  readonly id: string;
  readonly tenantId: string;
  readonly receivedAt: number;
  /** The record as JSON text (the queue stringifies its record whatever the driver). */
  readonly record: string;
  readonly body: Buffer;
}

export interface Writer {
  write(message: Accept): Promise<void>;
  roundTrips(): number;
  close(): Promise<void>;
}

export const SCHEMA = `
CREATE TABLE queue_messages (
  id text COLLATE "C" PRIMARY KEY, tenant_id text COLLATE "C" NOT NULL, received_at bigint NOT NULL,
  completed_at bigint, lane smallint, due_at bigint, lease_node text, lease_until bigint,
  n_queued integer NOT NULL DEFAULT 0, record jsonb NOT NULL);
CREATE INDEX queue_messages_due ON queue_messages (lane, due_at, id) WHERE lane IS NOT NULL;
CREATE INDEX queue_messages_pending ON queue_messages (tenant_id) WHERE completed_at IS NULL;
CREATE TABLE queue_bodies (id text COLLATE "C" PRIMARY KEY, bytes bytea NOT NULL);
ALTER TABLE queue_bodies ALTER COLUMN bytes SET STORAGE EXTERNAL;`;

const POOL = 10;
const INSERT_MESSAGE = `INSERT INTO queue_messages (id, tenant_id, received_at, lane, due_at, n_queued, record)
  VALUES ($1, $2, $3, 0, $3, 2, $4::jsonb)`;
const ONE_STATEMENT = `WITH m AS (${INSERT_MESSAGE}) INSERT INTO queue_bodies (id, bytes) VALUES ($1, $5)`;

/** `bodyAs: 'hex'` sends the body as bytea text ('\x…'), as postgres.js does; pg sends a Buffer binary. */
export type PgMode = 'transaction' | 'statement' | 'prepared' | 'hex' | 'group' | 'group8';

export function pgWriter(url: string, mode: PgMode): Writer {
  const pool = new pg.Pool({ connectionString: url, max: POOL });
  let trips = 0;
  const values = (m: Accept): unknown[] => [
    m.id,
    m.tenantId,
    m.receivedAt,
    m.record,
    mode === 'hex' ? `\\x${m.body.toString('hex')}` : m.body,
  ];
  const batch = groupCommit<Accept>(
    async (ms) => {
      trips++;
      await pool.query(multiRow(ms.length), ms.flatMap(values));
    },
    mode === 'group8' ? GROUP_WIDE : GROUP,
  );
  const write = async (m: Accept): Promise<void> => {
    if (mode === 'group' || mode === 'group8') return batch(m);
    if (mode === 'transaction') return pgTransaction(pool, m, () => (trips += 4));
    trips++;
    const text = ONE_STATEMENT;
    await pool.query(mode === 'prepared' ? { name: 'accept', text, values: values(m) } : { text, values: values(m) });
  };
  return { write, roundTrips: () => trips, close: () => pool.end() };
}

/** Group commit as PgQueue's default (64 rows, two commits in flight), and as wide as the pool. */
export const GROUP = { maxBatch: 64, maxInFlight: 2 };
export const GROUP_WIDE = { maxBatch: 64, maxInFlight: 8 };

async function pgTransaction(pool: pg.Pool, m: Accept, count: () => void): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(INSERT_MESSAGE, [m.id, m.tenantId, m.receivedAt, m.record]);
    await client.query('INSERT INTO queue_bodies (id, bytes) VALUES ($1, $2)', [m.id, m.body]);
    await client.query('COMMIT');
    count();
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Rows of 5 parameters each ($1…$5, $6…$10, …): Buffers stay binary parameters. */
function multiRow(rows: number): string {
  const row = (i: number, cols: string) => cols.replace(/\$(\d)/g, (_, n: string) => `$${i * 5 + Number(n)}`);
  const indexes = Array.from({ length: rows }, (_, i) => i);
  const messages = indexes.map((i) => row(i, '($1, $2, $3::bigint, 0, $3::bigint, 2, $4::jsonb)')).join(', ');
  const bodies = indexes.map((i) => row(i, '($1, $5::bytea)')).join(', ');
  return `WITH m AS (INSERT INTO queue_messages (id, tenant_id, received_at, lane, due_at, n_queued, record)
    VALUES ${messages}) INSERT INTO queue_bodies (id, bytes) VALUES ${bodies}`;
}

export type PostgresMode = 'transaction' | 'statement' | 'group';

export function postgresWriter(url: string, mode: PostgresMode): Writer {
  const sql = postgres(url, { max: POOL, onnotice: () => undefined });
  let trips = 0;
  const batch = groupCommit<Accept>(async (ms) => {
    trips++;
    const rows = ms.map((m) => ({ ...messageRow(m) }));
    const bodies = ms.map((m) => ({ id: m.id, bytes: m.body }));
    await sql`WITH m AS (INSERT INTO queue_messages ${sql(rows)})
      INSERT INTO queue_bodies ${sql(bodies)}`;
  }, GROUP);
  const write = async (m: Accept): Promise<void> => {
    if (mode === 'group') return batch(m);
    if (mode === 'transaction') {
      await sql.begin(async (tx) => {
        await tx`INSERT INTO queue_messages ${tx(messageRow(m))}`;
        await tx`INSERT INTO queue_bodies (id, bytes) VALUES (${m.id}, ${m.body})`;
      });
      trips += 4;
      return;
    }
    trips++;
    await sql`WITH m AS (INSERT INTO queue_messages ${sql(messageRow(m))})
      INSERT INTO queue_bodies (id, bytes) VALUES (${m.id}, ${m.body})`;
  };
  return { write, roundTrips: () => trips, close: () => sql.end({ timeout: 5 }) };
}

function messageRow(m: Accept) {
  return {
    id: m.id,
    tenant_id: m.tenantId,
    received_at: m.receivedAt,
    lane: 0,
    due_at: m.receivedAt,
    n_queued: 2,
    record: m.record,
  };
}
