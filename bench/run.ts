/**
 * npm run bench — Postbode under load on this machine, with a direct-to-sink run in the same
 * repetition for the ratio that survives a noisy machine (see ../shared/bench/README.md).
 *
 *   npm run bench -- [--count 2000] [--concurrency 50] [--size 100000] [--reps 1] [--no-tls] [--forwarding]
 *                    [--defer-first] [--backend lmdb|postgres] [--workers N] [--deferred N]
 *   npm run bench -- --fairness [--count 1000] [--sink-delay 1000]   (see fairness.ts)
 *
 * --defer-first: the sink answers 451 to the first delivery of each message, so every message is
 * retried once (retry delay 200 ms): CPU per message then includes the cost of a retry.
 * --backend postgres: the queue on a throwaway PostgreSQL on this machine (initdb in a temp folder, as
 * the tests do; fsync and synchronous_commit on), a fresh database per repetition; the server's CPU
 * (all its processes) counts in CPU per message.
 * --deferred N: before the gateway starts, N messages of the bench tenant wait deferred in its queue (greylisted
 *   an hour; bench/preload-deferred.ts): the load then runs beside a day's backlog of deferred mail.
 * --workers N: the gateway runs N worker processes (`workers`); CPU and memory count the primary and every worker.
 * --forwarding sets platform.sendingDomain: every message is rewritten (forwarding mode, VERP)
 * and DKIM-signed with the platform key, the full pipeline of a hosted invoicing platform.
 *
 * Starts a discard sink and the built gateway (`node dist/main.js`, relaying to the sink as its
 * smarthost), creates a tenant, and drives both with ../shared/bench/smtp-load.mjs (STARTTLS +
 * AUTH PLAIN, one connection per message, a MIME invoice with a base64 PDF-like attachment).
 * Loopback only; every wait is bounded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBenchSink, type BenchSink } from './sink.js';
import { peakRssMiB, rssSplitMiB, treeCpuMs, treePssMiB } from './proc-stats.js';
import { runFairness } from './fairness.js';
import { startBenchPostgres, type BenchPostgres } from './pg-bench.js';
import { preloadDeferred } from './preload-deferred.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const opts = parseArgs(process.argv.slice(2));
const loadScript = process.env.SMTP_LOAD ?? resolve(root, '../shared/bench/smtp-load.mjs');

interface LoadResult {
  rate: number;
  ok: number;
  failed: number;
  eod: { p50: number; p99: number };
  txn: { p50: number; p99: number };
}

function parseArgs(argv: string[]) {
  const o = {
    count: 2000,
    concurrency: 50,
    size: 100_000,
    reps: 1,
    tls: true,
    forwarding: false,
    fairness: false,
    sinkDelay: 1000,
    deferFirst: false,
    backend: 'lmdb' as 'lmdb' | 'postgres',
    workers: 1,
    deferred: 0,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--no-tls') o.tls = false;
    else if (a === '--forwarding') o.forwarding = true;
    else if (a === '--fairness') o.fairness = true;
    else if (a === '--defer-first') o.deferFirst = true;
    else if (a === '--sink-delay') o.sinkDelay = Number(argv[++i]);
    else if (a === '--backend') o.backend = backendArg(argv[++i]);
    else if (a === '--count') o.count = Number(argv[++i]);
    else if (a === '--concurrency') o.concurrency = Number(argv[++i]);
    else if (a === '--size') o.size = Number(argv[++i]);
    else if (a === '--reps') o.reps = Number(argv[++i]);
    else if (a === '--workers') o.workers = Number(argv[++i]);
    else if (a === '--deferred') o.deferred = Number(argv[++i]);
    else throw new Error(`unknown argument ${a}`);
  }
  return o;
}

function backendArg(value: string | undefined): 'lmdb' | 'postgres' {
  if (value === 'lmdb' || value === 'postgres') return value;
  throw new Error(`--backend takes lmdb or postgres, not ${value}`);
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

function runLoad(args: string[]): Promise<LoadResult> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [loadScript, ...args, '--json', '--max-time', '300'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('exit', () => {
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (!line) {
        reject(new Error(`smtp-load printed no result:\n${out}`));
        return;
      }
      resolveRun(JSON.parse(line) as LoadResult);
    });
  });
}

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return cond();
}

/** The tenant in the engine the gateway will read: the data dir's LMDB, or the (migrated) PostgreSQL at `url`. */
async function createTenant(
  dataDir: string,
  name = 'Bench BV',
  url?: string,
): Promise<{ id: string; user: string; pass: string }> {
  const { addTenant } = await import(join(root, 'dist/tenants/tenant-service.js'));
  let store: { close(): Promise<void> };
  let pool: { end(): Promise<void> } | undefined;
  if (url === undefined) {
    const { openTenantStore } = await import(join(root, 'dist/tenants/lmdb-tenant-store.js'));
    const { cliStorage } = await import(join(root, 'dist/admin/cli/cli-storage.js'));
    store = openTenantStore(cliStorage({ dataDir }));
  } else {
    const { openPgPool } = await import(join(root, 'dist/store/postgres/pool.js'));
    const { loadMigrations, migrate } = await import(join(root, 'dist/store/postgres/migrate.js'));
    const { openPgTenantStore } = await import(join(root, 'dist/tenants/pg-tenant-store.js'));
    pool = openPgPool(url);
    await migrate(pool, await loadMigrations());
    store = openPgTenantStore(pool);
  }
  // Without TLS the load tool does not log in: the tenant then sends from an allow-listed address.
  const { tenant, password } = await addTenant(store, { name, allowedIps: opts.tls ? [] : ['127.0.0.1'] });
  await store.close();
  await pool?.end();
  return { id: tenant.id as string, user: tenant.smtpUsername as string, pass: password as string };
}

async function startGateway(
  dataDir: string,
  sink: BenchSink,
  databaseUrl?: string,
): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const env = {
    ...process.env,
    POSTBODE_DATA_DIR: dataDir,
    POSTBODE_LOG__LEVEL: 'warn',
    POSTBODE_HOSTNAME: 'bench.postbode.test',
    POSTBODE_SMTP__HOST: '127.0.0.1',
    POSTBODE_SMTP__PORT: String(port),
    POSTBODE_SMTP__CERT_FILE: join(dataDir, 'server.crt'),
    POSTBODE_SMTP__KEY_FILE: join(dataDir, 'server.key'),
    POSTBODE_HTTP__HOST: '127.0.0.1',
    POSTBODE_HTTP__PORT: String(await freePort()),
    POSTBODE_DELIVERY__MODE: 'smarthost',
    POSTBODE_DELIVERY__SMARTHOST__HOST: '127.0.0.1',
    POSTBODE_DELIVERY__SMARTHOST__PORT: String(sink.port),
    POSTBODE_DELIVERY__SMARTHOST__TLS: 'none',
    POSTBODE_DELIVERY__SMARTHOST__MAX_CONNECTIONS: '20',
    // The inbound MX (port 25) would start with a sending domain: the bench measures the submission path only.
    ...(opts.forwarding
      ? { POSTBODE_PLATFORM__SENDING_DOMAIN: 'bench.postbode.test', POSTBODE_MX__ENABLED: 'false' }
      : {}),
    // Without a sending domain the load tool's From is not a domain the bench tenant verified: run as a
    // plain relay. The sender guard still runs (another tenant's domains stay refused), so the cost is the same.
    POSTBODE_SMTP__REQUIRE_VERIFIED_SENDER: 'false',
    POSTBODE_WORKERS: String(opts.workers),
    ...(opts.deferFirst ? { POSTBODE_QUEUE__RETRY__INITIAL_DELAY_MS: '200', POSTBODE_QUEUE__RETRY__JITTER: '0' } : {}),
    ...(databaseUrl ? { POSTBODE_STORE__BACKEND: 'postgres', POSTBODE_STORE__POSTGRES__URL: databaseUrl } : {}),
  };
  // BENCH_GATEWAY_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the gateway alone.
  const nodeArgs = (process.env.BENCH_GATEWAY_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, join(root, 'dist/main.js')], {
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const ready = await waitForPort(port, 15_000);
  if (!ready || child.exitCode !== null) throw new Error('gateway did not start listening within 15 s');
  return { child, port };
}

async function waitForPort(port: number, timeoutMs: number): Promise<boolean> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((r) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        r(true);
      });
      s.on('error', () => r(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

async function rep(n: number, sink: BenchSink, db?: BenchPostgres): Promise<void> {
  const common = ['-c', String(opts.concurrency), '-n', String(opts.count), '-l', String(opts.size)];
  const base0 = sink.count();
  const t0 = Date.now();
  const direct = await runLoad(['--port', String(sink.port), ...common, '--label', 'direct']);
  const directRate = (sink.count() - base0) / ((Date.now() - t0) / 1000);

  const dataDir = await mkdtemp(join(tmpdir(), 'postbode-bench-'));
  const url = db ? await db.freshDatabase() : undefined;
  const creds = await createTenant(dataDir, 'Bench BV', url);
  if (opts.deferred > 0) await preloadDeferred(dataDir, creds.id, opts.deferred, url);
  const gw = await startGateway(dataDir, sink, url);
  const pid = gw.child.pid ?? 0;
  const cpuNow = () => treeCpuMs(pid) + (db?.cpuMs() ?? 0);
  sink.deferFirst(opts.deferFirst);
  try {
    const cpu0 = cpuNow();
    const before = sink.count();
    const start = Date.now();
    const auth = opts.tls ? ['--starttls', '--user', creds.user, '--pass', creds.pass] : [];
    let peakPss = treePssMiB(pid);
    const sampler = setInterval(() => {
      peakPss = Math.max(peakPss, treePssMiB(pid));
    }, 250);
    const load = await runLoad(['--port', String(gw.port), ...common, ...auth]);
    const delivered = await waitFor(() => sink.count() - before >= load.ok, 120_000);
    clearInterval(sampler);
    const e2eSeconds = (Date.now() - start) / 1000;
    const cpu = (cpuNow() - cpu0) / Math.max(1, load.ok);
    const rss = peakRssMiB(pid);
    const split = rssSplitMiB(pid);
    const e2e = (sink.count() - before) / e2eSeconds;
    const label = `postbode_${Math.round(opts.size / 1000)}k_s${opts.concurrency}${opts.tls ? '_tls_auth' : ''}${opts.forwarding ? '_forwarding_dkim' : ''}${opts.deferFirst ? '_retry' : ''}${db ? '_postgres' : ''}${opts.workers > 1 ? `_w${opts.workers}` : ''}${opts.deferred > 0 ? `_deferred${opts.deferred}` : ''}`;
    console.log(`rep ${n}: direct sink ${directRate.toFixed(0)} msg/s (tool ${direct.rate.toFixed(0)})`);
    console.log(
      `${label}: accepted ${load.rate.toFixed(0)} msg/s, delivered ${e2e.toFixed(0)} msg/s` +
        ` (${sink.count() - before}/${load.ok} at sink${delivered ? '' : ', TIMED OUT'}, ${load.failed} failed),` +
        ` eod->250 p50 ${ms(load.eod.p50)} ms p99 ${ms(load.eod.p99)} ms,` +
        ` CPU ${cpu.toFixed(2)} ms/msg, peak PSS ${peakPss.toFixed(0)} MiB (all processes), peak RSS ${rss.toFixed(0)} MiB (primary; now ${split.anon.toFixed(0)} anon + ${split.file.toFixed(0)} file-backed), delivered/direct ${(e2e / directRate).toFixed(3)}`,
    );
  } finally {
    sink.deferFirst(false);
    gw.child.kill('SIGTERM');
    await waitFor(() => gw.child.exitCode !== null, 15_000);
    await rm(dataDir, { recursive: true, force: true });
  }
}

const ms = (v: number | null): string => (v === null ? 'n/a' : v.toFixed(1));

async function main(): Promise<void> {
  if (!existsSync(loadScript)) throw new Error(`load generator not found at ${loadScript} (set SMTP_LOAD)`);
  if (!existsSync(join(root, 'dist/main.js'))) throw new Error('dist/main.js missing: run npm run build');
  if (opts.fairness) return fairness();
  const sink = await startBenchSink();
  const db = opts.backend === 'postgres' ? await startBenchPostgres() : undefined;
  try {
    for (let i = 1; i <= opts.reps; i++) await rep(i, sink, db);
  } finally {
    await db?.stop();
    await sink.close();
  }
}

async function fairness(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'postbode-bench-'));
  await runFairness({
    // all from 127.0.0.1: one of smtp.maxConnectionsPerIp (50) stays free for tenant B
    count: opts.count,
    concurrency: Math.min(opts.concurrency, 49),
    size: opts.size,
    sinkDelayMs: opts.sinkDelay,
    createTenant: (name) => createTenant(dataDir, name),
    startGateway: (sink) => startGateway(dataDir, sink),
    runLoad,
    waitFor,
    cleanup: () => rm(dataDir, { recursive: true, force: true }),
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
