/**
 * The accept path of the queue on PostgreSQL: PgQueue.enqueue of 100 KB messages from 50
 * concurrent sessions, each resolving after its commit (synchronous_commit on, fsync on), with
 * group commit (the default) and without it (one statement per message). Prints messages/s,
 * latency from call to commit, client CPU per message, and commits and WAL bytes per message.
 * Run: npx tsx bench/pg-queue-accept.ts [messages=2000]
 */
import { pino } from 'pino';
import { newQueueId } from '../src/core/ids.js';
import type { NewMessage } from '../src/core/types.js';
import { openPgQueue } from '../src/queue/pg/pg-queue.js';
import type { InsertBatcherOptions } from '../src/queue/pg/pg-insert-batcher.js';
import { loadMigrations, migrate } from '../src/store/postgres/migrate.js';
import { openPgPool } from '../src/store/postgres/pool.js';
import { startPostgres, type TestPostgres } from '../test/helpers/postgres.js';

const TOTAL = Number(process.argv[2] ?? 2_000);
const SESSIONS = 50;
const BODY = Buffer.alloc(100 * 1024, 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=\r\n');
const retry = { initialDelayMs: 60_000, maxDelayMs: 600_000, maxAgeMs: 86_400_000, jitter: 0 };

function mail(i: number): NewMessage {
  const at = Date.now();
  return {
    id: newQueueId(at),
    tenantId: `t${i % 20}`,
    kind: 'mail',
    envelope: { from: 'invoices@example.test', to: ['client@example.test', 'archive@example.test'] },
    receivedAt: at,
    client: { address: '127.0.0.1', helo: 'invoicing' },
    messageId: `<${at}.${i}@example.test>`,
    subject: `Factuur 2026-${i}`,
  };
}

async function serverStats(url: string): Promise<{ commits: number; wal: number }> {
  const pool = openPgPool(url, { max: 1 });
  const { rows } = await pool.query<{ commits: string; wal: string }>(
    `SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()) AS commits,
            pg_current_wal_lsn() - '0/0'::pg_lsn AS wal`,
  );
  await pool.end();
  return { commits: Number(rows[0]?.commits), wal: Number(rows[0]?.wal) };
}

async function run(cluster: TestPostgres, name: string, insertBatch: InsertBatcherOptions): Promise<void> {
  const url = await cluster.freshDatabase();
  const pool = openPgPool(url, { max: 10 });
  await migrate(pool, await loadMigrations());
  const queue = await openPgQueue({
    pool,
    nodeId: 'bench',
    retry,
    logger: pino({ level: 'silent' }),
    workingSetMax: 0,
    pollMs: 3_600_000,
    countsEveryMs: 3_600_000,
    insertBatch,
  });
  const before = await serverStats(url);
  const latencies: number[] = [];
  let next = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: SESSIONS }, async () => {
      while (next < TOTAL) {
        const i = next++;
        const t = performance.now();
        await queue.enqueue(mail(i), BODY);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const after = await serverStats(url);
  await queue.close();
  await pool.end();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]?.toFixed(1);
  console.log(
    `${name.padEnd(22)} ${(TOTAL / seconds).toFixed(0).padStart(5)} msg/s  p50 ${at(0.5)} ms  p99 ${at(0.99)} ms  ` +
      `client CPU ${((used.user + used.system) / 1000 / TOTAL).toFixed(2)} ms/msg  ` +
      `commits/msg ${((after.commits - before.commits) / TOTAL).toFixed(3)}  ` +
      `WAL ${((after.wal - before.wal) / TOTAL / 1024).toFixed(1)} KiB/msg`,
  );
}

const cluster = await startPostgres();
try {
  for (let round = 0; round < 2; round++) {
    await run(cluster, 'group commit (64 x 2)', {});
    await run(cluster, 'one commit per message', { maxBatch: 1, maxInFlight: 10 });
  }
} finally {
  await cluster.stop();
}
