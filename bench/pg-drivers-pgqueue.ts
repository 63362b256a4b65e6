/**
 * PgQueue.enqueue itself as a case of bench/pg-drivers.ts: the real accept path (records.ts's record,
 * migrations' tables and indexes, the queue's own group commit). Round trips are counted on each
 * connection's `query` (pool.query goes through it once).
 */
import pg from 'pg';
import { pino } from 'pino';
import type { NewMessage } from '../src/core/types.js';
import type { InsertBatcherOptions } from '../src/queue/pg/pg-insert-batcher.js';
import { openPgQueue } from '../src/queue/pg/pg-queue.js';
import { loadMigrations, migrate } from '../src/store/postgres/migrate.js';
import { openPgPool } from '../src/store/postgres/pool.js';
import type { Accept, Writer } from './pg-drivers-writers.js';

const retry = { initialDelayMs: 60_000, maxDelayMs: 600_000, maxAgeMs: 86_400_000, jitter: 0 };
const HOUR_MS = 3_600_000;

export async function migrated(url: string): Promise<void> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    await migrate(pool, await loadMigrations());
  } finally {
    await pool.end();
  }
}

function newMessage(m: Accept): NewMessage {
  return {
    id: m.id,
    tenantId: m.tenantId,
    kind: 'mail',
    envelope: { from: 'invoices@example.test', to: ['client@example.test', 'archive@example.test'] },
    receivedAt: m.receivedAt,
    client: { address: '127.0.0.1', helo: 'invoicing.example.test' },
    messageId: `<${m.id}@invoicing.example.test>`,
    subject: `Factuur ${m.id} van Voorbeeld B.V. voor uw bestelling`,
  };
}

/**
 * The working set is 0: every accept goes in unleased for any node's claim, as on a node whose
 * working set is full (the steady state under load); no delivery runs meanwhile.
 */
export async function pgQueueWriter(url: string, insertBatch: InsertBatcherOptions): Promise<Writer> {
  const pool = openPgPool(url, { max: 10 });
  let trips = 0;
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as { query: unknown }).query = (...args: unknown[]) => {
      trips++;
      return query(...args);
    };
  });
  const queue = await openPgQueue({
    pool,
    nodeId: 'bench',
    retry,
    logger: pino({ level: 'silent' }),
    workingSetMax: 0,
    pollMs: HOUR_MS,
    countsEveryMs: HOUR_MS,
    insertBatch,
  });
  const opened = trips; // the queue's start (LISTEN, depth, first claim) is not the accept path
  return {
    write: async (m) => {
      await queue.enqueue(newMessage(m), m.body);
    },
    roundTrips: () => trips - opened,
    close: async () => {
      await queue.close();
      await pool.end();
    },
  };
}
