/**
 * pg against postgres (porsager) on the queue's accept path: 50 sessions each insert a message (a
 * ~1.5 KB jsonb record with indexed columns, and its 100 KB body in its own bytea STORAGE EXTERNAL
 * table) in one transaction and wait for its commit (fsync on, synchronous_commit on). Each case runs
 * on a fresh database, three rounds interleaved; the table shows the median of each figure.
 * Run: npx tsx bench/pg-drivers.ts [messages=2000] [rounds=3]
 * docs/postgres-capacity.md reads the figures.
 */
import pg from 'pg';
import { startPostgres, type TestPostgres, withClient } from '../test/helpers/postgres.js';
import { type CaseResult, formatTable, medianOf } from './pg-drivers-table.js';
import { backendPids, postmasterPid, reaped, type ServerSnapshot, snapshot } from './pg-drivers-server.js';
import { migrated, pgQueueWriter } from './pg-drivers-pgqueue.js';
import { type Accept, postgresWriter, pgWriter, SCHEMA, type Writer } from './pg-drivers-writers.js';

const TOTAL = Number(process.argv[2] ?? 2_000);
const ROUNDS = Number(process.argv[3] ?? 3);
const SESSIONS = 50;
const BODY = Buffer.alloc(100 * 1024, 'JVBERi0xLjcKJeLjz9MKMSAwIG9iago8PC9UeXBlL0NhdGFsb2cvUGFnZXM=\r\n');

export interface Case {
  readonly name: string;
  readonly open: (url: string) => Writer | Promise<Writer>;
  /** Creates the tables on the case's fresh database: the bench's pair unless said otherwise. */
  readonly setup?: (url: string) => Promise<unknown>;
}

const benchTables = (url: string) => withClient(url, (client) => client.query(SCHEMA));

/** One message a statement, as many statements at once as the pool has connections. */
const ONE_EACH = { maxBatch: 1, maxInFlight: 10 };

const CASES: Case[] = [
  { name: 'pg BEGIN/2 INSERT/COMMIT', open: (url) => pgWriter(url, 'transaction') },
  { name: 'pg one statement', open: (url) => pgWriter(url, 'statement') },
  { name: 'pg one statement, prepared', open: (url) => pgWriter(url, 'prepared') },
  { name: 'pg one statement, hex body', open: (url) => pgWriter(url, 'hex') },
  { name: 'pg group commit 64x2', open: (url) => pgWriter(url, 'group') },
  { name: 'pg group commit 64x8', open: (url) => pgWriter(url, 'group8') },
  { name: 'postgres sql.begin/2 INSERT', open: (url) => postgresWriter(url, 'transaction') },
  { name: 'postgres one statement', open: (url) => postgresWriter(url, 'statement') },
  { name: 'postgres group commit 64x2', open: (url) => postgresWriter(url, 'group') },
  { name: 'PgQueue.enqueue, default group', open: (url) => pgQueueWriter(url, {}), setup: migrated },
  { name: 'PgQueue.enqueue, no grouping', open: (url) => pgQueueWriter(url, ONE_EACH), setup: migrated },
];

/** A QueuedMessage-like record of about 1.5 KB. */
function accept(i: number): Accept {
  const at = Date.now();
  const id = `${at.toString(36)}-${i.toString(36).padStart(5, '0')}-${Math.random().toString(36).slice(2, 10)}`;
  const recipients = ['client@example.test', 'archive@example.test'].map((address) => ({
    address,
    status: 'queued',
    attempts: 0,
    nextAttemptAt: at,
    history: [],
  }));
  const record = {
    id,
    tenantId: `t${i % 20}`,
    kind: 'mail',
    envelope: { from: 'invoices@example.test', to: recipients.map((r) => r.address) },
    receivedAt: at,
    client: { address: '127.0.0.1', helo: 'invoicing.example.test', tls: true, user: `tenant-${i % 20}` },
    messageId: `<${at}.${i}@invoicing.example.test>`,
    subject: `Factuur 2026-${String(i).padStart(6, '0')} van Voorbeeld B.V. voor uw bestelling`,
    recipients,
    size: BODY.length,
    auth: { spf: 'pass', dkim: 'pass', dmarc: 'pass', domain: 'example.test' },
    documents: [{ name: `factuur-${i}.pdf`, type: 'application/pdf', size: 98_000, number: `2026-${i}` }],
    notes: 'x'.repeat(700),
  };
  return { id, tenantId: record.tenantId, receivedAt: at, record: JSON.stringify(record), body: BODY };
}

async function runCase(cluster: TestPostgres, c: Case): Promise<CaseResult> {
  const url = await cluster.freshDatabase();
  const database = new URL(url).pathname.slice(1);
  await (c.setup ?? benchTables)(url);
  const admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
  try {
    const postmaster = await postmasterPid(admin);
    const writer = await c.open(url);
    await writer.write(accept(-1)); // connect and warm up outside the measurement
    const warm = await backendPids(admin, database);
    await writer.close();
    await reaped(warm);
    const measured = await c.open(url);
    const before = await snapshot(admin, postmaster, database);
    const { latencies, seconds, clientCpuMs } = await load(measured);
    const trips = measured.roundTrips();
    const backends = await backendPids(admin, database);
    await measured.close();
    await reaped(backends);
    const after = await snapshot(admin, postmaster, database);
    return result(latencies, seconds, clientCpuMs, trips, before, after);
  } finally {
    await admin.end();
  }
}

async function load(writer: Writer): Promise<{ latencies: number[]; seconds: number; clientCpuMs: number }> {
  const messages = Array.from({ length: TOTAL }, (_, i) => accept(i));
  const latencies: number[] = [];
  let next = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const session = async (): Promise<void> => {
    for (let m = messages[next++]; m !== undefined; m = messages[next++]) {
      const t = performance.now();
      await writer.write(m);
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: SESSIONS }, session));
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { latencies, seconds, clientCpuMs: (used.user + used.system) / 1000 };
}

function result(
  latencies: number[],
  seconds: number,
  clientCpuMs: number,
  trips: number,
  before: ServerSnapshot,
  after: ServerSnapshot,
): CaseResult {
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    perSecond: TOTAL / seconds,
    clientCpuMs: clientCpuMs / TOTAL,
    serverCpuMs: (after.cpuMs - before.cpuMs) / TOTAL,
    p50: at(0.5),
    p99: at(0.99),
    roundTrips: trips / TOTAL,
    walBytes: (after.walBytes - before.walBytes) / TOTAL,
    commits: (after.commits - before.commits) / TOTAL,
    walSyncs: (after.walSyncs - before.walSyncs) / TOTAL,
  };
}

const cluster = await startPostgres();
try {
  const results = new Map<string, CaseResult[]>(CASES.map((c) => [c.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of CASES) results.get(c.name)?.push(await runCase(cluster, c));
    process.stderr.write(`round ${round + 1} of ${ROUNDS} done\n`);
  }
  const rows = CASES.map((c) => ({ name: c.name, result: medianOf(results.get(c.name) ?? []) }));
  process.stdout.write(`${TOTAL} messages x 100 KB, ${SESSIONS} sessions, medians of ${ROUNDS}\n`);
  process.stdout.write(formatTable(rows));
} finally {
  await cluster.stop();
}
