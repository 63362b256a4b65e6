/**
 * npx tsx bench/soak-memory.ts [--minutes 60] [--rate 100] [--sample-seconds 30] [--size 5000]
 *
 * A memory soak, not a test: the gateway (src/main.ts through tsx, relaying to a discard sink
 * as its smarthost) gets a constant load of `--rate` messages a second for `--minutes`; every
 * `--sample-seconds` the JS heap, anonymous (RssAnon) and file-backed (RssFile) resident memory
 * and the message log's file size are read from its own GET /metrics. At the end it prints the
 * table, the slope of each series after the warm-up (JIT, pools, LMDB's first map growth), the
 * slope of its floor (see `floors`), and whether heap and anon stayed flat.
 * Loopback only; every wait is bounded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import nodemailer from 'nodemailer';
import { startBenchSink } from './sink.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MiB = 1024 * 1024;
/** Flat: the second half grows by less than this many MiB per hour (a leak of 1 KiB per message at 100 msg/s is ~350 MiB/h). */
const FLAT_MIB_PER_HOUR = 16;

interface Options {
  minutes: number;
  rate: number;
  sampleSeconds: number;
  size: number;
}
interface Sample {
  at: number;
  sent: number;
  delivered: number;
  heapUsed: number;
  heapTotal: number;
  anon: number;
  file: number;
  queueFile: number;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { minutes: 60, rate: 100, sampleSeconds: 30, size: 5000 };
  for (let i = 0; i < argv.length; i++) {
    const value = Number(argv[i + 1]);
    switch (argv[i]) {
      case '--minutes':
        o.minutes = value;
        break;
      case '--rate':
        o.rate = value;
        break;
      case '--sample-seconds':
        o.sampleSeconds = value;
        break;
      case '--size':
        o.size = value;
        break;
      default:
        throw new Error(`unknown argument ${argv[i]}`);
    }
    if (!(value > 0)) throw new Error(`${argv[i]} needs a positive number`);
    i++;
  }
  return o;
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

async function waitUntil(probe: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

async function addBenchTenant(dataDir: string): Promise<void> {
  const { openTenantStore } = await import('../src/tenants/lmdb-tenant-store.js');
  const { addTenant } = await import('../src/tenants/tenant-service.js');
  const { cliStorage } = await import('../src/admin/cli/cli-storage.js');
  const store = openTenantStore(cliStorage({ dataDir }));
  // Sends from an allow-listed address without AUTH: the soak measures memory, not logins.
  await addTenant(store, { name: 'Soak BV', allowedIps: ['127.0.0.1'] });
  await store.close();
}

async function startGateway(
  dataDir: string,
  sinkPort: number,
): Promise<{ child: ChildProcess; smtp: number; http: number }> {
  const [smtp, http] = [await freePort(), await freePort()];
  const env = {
    ...process.env,
    POSTBODE_DATA_DIR: dataDir,
    POSTBODE_LOG__LEVEL: 'warn',
    POSTBODE_HOSTNAME: 'soak.postbode.test',
    POSTBODE_SMTP__HOST: '127.0.0.1',
    POSTBODE_SMTP__PORT: String(smtp),
    POSTBODE_SMTP__CERT_FILE: join(dataDir, 'server.crt'),
    POSTBODE_SMTP__KEY_FILE: join(dataDir, 'server.key'),
    POSTBODE_HTTP__HOST: '127.0.0.1',
    POSTBODE_HTTP__PORT: String(http),
    POSTBODE_DELIVERY__MODE: 'smarthost',
    POSTBODE_DELIVERY__SMARTHOST__HOST: '127.0.0.1',
    POSTBODE_DELIVERY__SMARTHOST__PORT: String(sinkPort),
    POSTBODE_DELIVERY__SMARTHOST__TLS: 'none',
    POSTBODE_SMTP__REQUIRE_VERIFIED_SENDER: 'false',
    // The default tenant limits (10,000 an hour) would refuse a long soak after a while.
    POSTBODE_LIMITS__MESSAGES_PER_HOUR: '1000000000',
    POSTBODE_LIMITS__MESSAGES_PER_DAY: '1000000000',
  };
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/main.ts')], {
    env,
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const up = await waitUntil(async () => (await fetch(`http://127.0.0.1:${http}/healthz`)).ok, 60_000);
  if (!up || child.exitCode !== null) throw new Error('gateway did not answer /healthz within 60 s');
  return { child, smtp, http };
}

/** One value of a Prometheus text exposition (`name{labels} value`). */
function metric(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? Number.NaN : Number(line.slice(series.length + 1));
}

async function sample(httpPort: number, sent: number, delivered: number, started: number): Promise<Sample> {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  return {
    at: (Date.now() - started) / 1000,
    sent,
    delivered,
    heapUsed: metric(text, 'postbode_memory_bytes{kind="heap_used"}'),
    heapTotal: metric(text, 'postbode_memory_bytes{kind="heap_total"}'),
    anon: metric(text, 'postbode_memory_bytes{kind="rss_anon"}'),
    file: metric(text, 'postbode_memory_bytes{kind="rss_file"}'),
    queueFile:
      metric(text, 'postbode_lmdb_file_bytes{store="queue"}') +
      (metric(text, 'postbode_lmdb_file_bytes{store="queue-archive"}') || 0),
  };
}

/** Least-squares slope in MiB per hour of `pick` over the samples. */
function slopeMiBPerHour(samples: readonly Sample[], pick: (s: Sample) => number): number {
  const n = samples.length;
  if (n < 2) return Number.NaN;
  const mx = samples.reduce((a, s) => a + s.at, 0) / n;
  const my = samples.reduce((a, s) => a + pick(s), 0) / n;
  const num = samples.reduce((a, s) => a + (s.at - mx) * (pick(s) - my), 0);
  const den = samples.reduce((a, s) => a + (s.at - mx) ** 2, 0);
  return ((num / den) * 3600) / MiB;
}

function printTable(samples: readonly Sample[]): void {
  const mib = (v: number): string => (Number.isNaN(v) ? 'n/a' : (v / MiB).toFixed(1)).padStart(9);
  console.log(
    `${'t (s)'.padStart(7)} ${'sent'.padStart(8)} ${'deliv'.padStart(8)} ${'heapUsed'.padStart(9)} ${'heapTot'.padStart(9)} ${'rssAnon'.padStart(9)} ${'rssFile'.padStart(9)} ${'logFile'.padStart(9)}  (MiB)`,
  );
  for (const s of samples) {
    console.log(
      `${s.at.toFixed(0).padStart(7)} ${String(s.sent).padStart(8)} ${String(s.delivered).padStart(8)} ${mib(s.heapUsed)} ${mib(s.heapTotal)} ${mib(s.anon)} ${mib(s.file)} ${mib(s.queueFile)}`,
    );
  }
}

function invoice(size: number, i: number): string {
  const filler = 'Factuurregel 1 x dienstverlening, 100,00 EUR. '.repeat(Math.ceil(size / 48)).slice(0, size);
  return filler.replace(/(.{76})/g, '$1\r\n') + `\r\nFactuur ${i}\r\n`;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const sink = await startBenchSink();
  const dataDir = await mkdtemp(join(tmpdir(), 'postbode-soak-'));
  await addBenchTenant(dataDir);
  const gw = await startGateway(dataDir, sink.port);
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: gw.smtp,
    secure: false,
    ignoreTLS: true,
    pool: true,
    maxConnections: 4,
    maxMessages: 1000,
  });
  const samples: Sample[] = [];
  let sent = 0;
  let failed = 0;
  let firstError: string | undefined;
  let inFlight = 0;
  const started = Date.now();
  const endAt = started + opts.minutes * 60_000;
  try {
    // A fixed schedule: message i is due at started + i / rate, whatever the earlier ones took.
    const tick = setInterval(() => {
      const due = Math.floor(((Date.now() - started) / 1000) * opts.rate);
      while (sent + failed + inFlight < due && inFlight < opts.rate * 5) {
        const i = sent + failed + inFlight;
        inFlight++;
        transport
          .sendMail({
            from: 'facturen@soak.example',
            to: `klant${i % 50}@example.com`,
            subject: `Factuur ${i}`,
            text: invoice(opts.size, i),
          })
          .then(
            () => {
              sent++;
            },
            (err: unknown) => {
              failed++;
              firstError ??= err instanceof Error ? err.message : String(err);
            },
          )
          .finally(() => {
            inFlight--;
          });
      }
    }, 50);
    const next = setInterval(() => {
      void sample(gw.http, sent, sink.count(), started).then(
        (s) => {
          samples.push(s);
          if (firstError !== undefined && failed > 0) console.log(`first refusal: ${firstError}`);
          console.log(
            `t=${s.at.toFixed(0)}s sent ${s.sent} delivered ${s.delivered} failed ${failed} heapUsed ${(s.heapUsed / MiB).toFixed(1)} MiB anon ${(s.anon / MiB).toFixed(1)} MiB file ${(s.file / MiB).toFixed(1)} MiB`,
          );
        },
        (err: unknown) => {
          console.error('sample failed', err);
        },
      );
    }, opts.sampleSeconds * 1000);
    await new Promise((r) => setTimeout(r, Math.max(0, endAt - Date.now())));
    clearInterval(tick);
    clearInterval(next);
    await waitUntil(async () => inFlight === 0, 30_000);
    samples.push(await sample(gw.http, sent, sink.count(), started));
  } finally {
    transport.close();
    gw.child.kill('SIGTERM');
    await waitUntil(async () => gw.child.exitCode !== null, 15_000);
    await sink.close();
    await rm(dataDir, { recursive: true, force: true });
  }
  report(samples, opts, sent, failed);
}

/**
 * heap_used is a sawtooth (it drops at each major GC), so a slope through every sample mostly
 * measures where the last GC fell. A leak shows as a rising floor: the lowest value of each
 * window of `FLOOR_WINDOW` samples, after the warm-up (the first tenth of the run, at least 2 min).
 */
const FLOOR_WINDOW = 4;

function floors(samples: readonly Sample[], pick: (s: Sample) => number): Sample[] {
  const out: Sample[] = [];
  for (let i = 0; i + FLOOR_WINDOW <= samples.length; i += FLOOR_WINDOW) {
    const window = samples.slice(i, i + FLOOR_WINDOW);
    out.push(window.reduce((low, s) => (pick(s) < pick(low) ? s : low)));
  }
  return out;
}

function report(samples: readonly Sample[], opts: Options, sent: number, failed: number): void {
  printTable(samples);
  const warm = Math.max(120, opts.minutes * 6);
  const steady = samples.filter((s) => s.at >= warm);
  const series: Record<string, (s: Sample) => number> = {
    heapUsed: (s) => s.heapUsed,
    anon: (s) => s.anon,
    file: (s) => s.file,
    logFile: (s) => s.queueFile,
  };
  const rate = sent / (opts.minutes * 60);
  console.log(
    `\n${sent} sent (${rate.toFixed(1)} msg/s of ${opts.rate} asked), ${failed} failed, over ${opts.minutes} min`,
  );
  const line = (label: string, slope: (pick: (s: Sample) => number) => number): Record<string, number> => {
    const out = Object.fromEntries(Object.entries(series).map(([k, pick]) => [k, slope(pick)]));
    console.log(
      `${label} (MiB/hour):`,
      Object.entries(out)
        .map(([k, v]) => `${k} ${v.toFixed(1)}`)
        .join(', '),
    );
    return out;
  };
  line(`slope of every sample after ${warm} s`, (pick) => slopeMiBPerHour(steady, pick));
  const floor = line(`slope of the floor (lowest of each ${FLOOR_WINDOW} samples)`, (pick) =>
    slopeMiBPerHour(floors(steady, pick), pick),
  );
  const flat = (v: number): string =>
    Number.isNaN(v) ? 'too short to tell' : v < FLAT_MIB_PER_HOUR ? 'flat' : 'GROWING';
  console.log(
    `heap: ${flat(floor.heapUsed ?? Number.NaN)}, anon: ${flat(floor.anon ?? Number.NaN)} (flat = floor rises under ${FLAT_MIB_PER_HOUR} MiB/hour); ` +
      'file-backed memory follows the message log, which grows until queue.retentionMs starts purging',
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
