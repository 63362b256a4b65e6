/**
 * tsx bench/soak-disk.ts — the disk-full cycle against a real gateway process (not a test).
 *
 *   tsx bench/soak-disk.ts [--disk-mb 24] [--sessions 4] [--kb 100] [--full-s 15] [--after-s 5]
 *                          [--min-free-mb 2 | --min-free-mb none] [--root DIR]
 *
 * Mounts a tmpfs as the data directory (needs root), starts the gateway in a child process
 * (`<root>/dist/main.js` when built, else `<root>/src/main.ts` through tsx) relaying to a
 * counting sink in this process, and keeps `--sessions` SMTP sessions sending numbered
 * messages (X-Seq) the whole time:
 *   1. until the gateway refuses (452) or the disk is full (the message log of delivered mail
 *      fills it, after a ballast file took ~40% at the start);
 *   2. a second ballast takes every byte left, and sending goes on for `--full-s` seconds: a
 *      gateway that dies is restarted on the same directory, as a supervisor would (counted);
 *   3. both ballast files go, sending goes on for `--after-s` seconds, then stops, and the
 *      script waits (at most 60 s) for every acknowledged message to arrive.
 * Prints acked, delivered, lost and duplicated counts, refusals by reply, crashes and restarts.
 * `--min-free-mb none` leaves queue.minFreeBytes out of the config (code without that key);
 * `--root` runs another checkout (e.g. the base commit extracted with git archive).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm, statfs, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SMTPServer } from 'smtp-server';

const here = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const opts = parseArgs(process.argv.slice(2));

function parseArgs(argv: string[]) {
  const o = { diskMb: 24, sessions: 4, kb: 100, fullS: 15, afterS: 5, minFreeMb: '2', root: here };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[++i] ?? '';
    if (a === '--disk-mb') o.diskMb = Number(v);
    else if (a === '--sessions') o.sessions = Number(v);
    else if (a === '--kb') o.kb = Number(v);
    else if (a === '--full-s') o.fullS = Number(v);
    else if (a === '--after-s') o.afterS = Number(v);
    else if (a === '--min-free-mb') o.minFreeMb = v;
    else if (a === '--root') o.root = resolve(v);
    else throw new Error(`unknown argument ${a}`);
  }
  return o;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The next hop: accepts everything, counts each X-Seq it receives. */
async function startCountingSink(): Promise<{ port: number; counts: Map<number, number>; close(): Promise<void> }> {
  const counts = new Map<number, number>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    disableReverseLookup: true,
    size: 50 * 1024 * 1024,
    onData(stream, _session, cb) {
      let head = '';
      stream.on('data', (d: Buffer) => {
        if (head.length < 4096) head += d.toString('latin1');
      });
      stream.on('end', () => {
        const seq = Number(/^X-Seq: (\d+)/im.exec(head)?.[1]);
        if (Number.isInteger(seq)) counts.set(seq, (counts.get(seq) ?? 0) + 1);
        cb(null, 'Ok');
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.server.address() as { port: number }).port;
  return { port, counts, close: () => new Promise((r) => server.close(() => r())) };
}

interface Gw {
  child: ChildProcess;
  smtpPort: number;
  httpPort: number;
  exit: Promise<number | null>;
}

function startGateway(dataDir: string, sinkPort: number): Promise<Gw> {
  const built = join(opts.root, 'dist/main.js');
  const args = existsSync(built) ? [built] : ['--import', 'tsx', join(opts.root, 'src/main.ts')];
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    POSTBODE_LOG__LEVEL: 'info',
    POSTBODE_DATA_DIR: dataDir,
    POSTBODE_SECRET_KEY: 'ab'.repeat(32),
    POSTBODE_SMTP__HOST: '127.0.0.1',
    POSTBODE_SMTP__PORT: '0',
    POSTBODE_SMTP__REQUIRE_VERIFIED_SENDER: 'false',
    POSTBODE_SMTP__CERT_FILE: join(dataDir, '..', 'server.crt'),
    POSTBODE_SMTP__KEY_FILE: join(dataDir, '..', 'server.key'),
    POSTBODE_HTTP__HOST: '127.0.0.1',
    POSTBODE_HTTP__PORT: '0',
    POSTBODE_DELIVERY__MODE: 'smarthost',
    POSTBODE_DELIVERY__SMARTHOST__HOST: '127.0.0.1',
    POSTBODE_DELIVERY__SMARTHOST__PORT: String(sinkPort),
    POSTBODE_DELIVERY__SMARTHOST__TLS: 'none',
    POSTBODE_QUEUE__RETRY__INITIAL_DELAY_MS: '300',
    POSTBODE_QUEUE__RETRY__MAX_DELAY_MS: '1000',
    POSTBODE_QUEUE__RETRY__JITTER: '0',
  };
  if (opts.minFreeMb !== 'none')
    env.POSTBODE_QUEUE__MIN_FREE_BYTES = String(Math.round(Number(opts.minFreeMb) * 1024 * 1024));
  const child = spawn(process.execPath, args, { cwd: opts.root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exit = new Promise<number | null>((r) => child.on('exit', (code, signal) => r(code ?? (signal ? -1 : null))));
  let out = '';
  child.stderr.on('data', (d: Buffer) => {
    stderrTail = (stderrTail + d.toString()).slice(-2000);
  });
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gateway did not start:\n${out.slice(-2000)}\n${stderrTail}`));
    }, 30_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.length > 1_000_000) out = out.slice(-100_000);
      const line = out.split('\n').find((l) => l.includes('"postbode listening"'));
      if (!line) return;
      clearTimeout(timer);
      const parsed = JSON.parse(line) as { smtpPort: number; httpPort: number };
      out = '';
      resolveStart({ child, smtpPort: parsed.smtpPort, httpPort: parsed.httpPort, exit });
    });
    void exit.then((code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code} while starting:\n${stderrTail}`));
    });
  });
}
let stderrTail = '';

/** One message over a plain socket: the final reply line, or `conn` when the connection failed. */
function sendOne(port: number, seq: number, body: string): Promise<string> {
  return new Promise((resolveSend) => {
    const socket: Socket = connect({ host: '127.0.0.1', port });
    const steps = [
      'EHLO soak.test',
      'MAIL FROM:<billing@acme.test>',
      `RCPT TO:<client${seq}@customer.test>`,
      'DATA',
      `${body}\r\n.`,
      'QUIT',
    ];
    let buf = '';
    let step = -1; // the greeting first
    const done = (reply: string) => {
      socket.destroy();
      resolveSend(reply);
    };
    socket.setTimeout(30_000, () => done('timeout'));
    socket.on('error', () => done('conn'));
    socket.on('close', () => done('conn'));
    socket.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      for (;;) {
        const end = buf.indexOf('\r\n');
        if (end < 0) return;
        const line = buf.slice(0, end);
        buf = buf.slice(end + 2);
        if (line[3] === '-') continue;
        const code = Number(line.slice(0, 3));
        const expected = step === 3 ? 354 : step === -1 ? 220 : 250;
        if (step === 4) return done(line);
        if (code !== expected) return done(line);
        step++;
        socket.write(`${steps[step]}\r\n`);
      }
    });
  });
}

async function main(): Promise<void> {
  const base = await mkdtemp(join(tmpdir(), 'postbode-soak-disk-'));
  const dataDir = join(base, 'data');
  mkdirSync(dataDir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${opts.diskMb}m`, 'tmpfs', dataDir], { stdio: 'pipe' });
  } catch (err) {
    process.stderr.write(`needs root to mount a tmpfs: ${String(err)}\n`);
    process.exit(2);
  }
  const sink = await startCountingSink();
  const tenants = (await import(
    join(opts.root, 'src/tenants/lmdb-tenant-store.ts')
  )) as typeof import('../src/tenants/lmdb-tenant-store.js');
  const service = (await import(
    join(opts.root, 'src/tenants/tenant-service.ts')
  )) as typeof import('../src/tenants/tenant-service.js');
  const storage = (await import(
    join(opts.root, 'src/admin/cli/cli-storage.ts')
  )) as typeof import('../src/admin/cli/cli-storage.js');
  const store = tenants.openTenantStore(storage.cliStorage({ dataDir }));
  await service.addTenant(store, { name: 'Soak BV', allowedIps: ['127.0.0.1'] });
  await store.close();
  const s0 = await statfs(dataDir);
  await writeFile(join(dataDir, 'ballast-0'), Buffer.alloc(Math.floor(s0.bavail * s0.bsize * 0.4)));

  let gw = await startGateway(dataDir, sink.port);
  const crashes: Array<number | null> = [];
  let stopping = false;
  const supervise = (): void => {
    void gw.exit.then(async (code) => {
      if (stopping) return;
      crashes.push(code);
      for (;;) {
        try {
          gw = await startGateway(dataDir, sink.port);
          supervise();
          return;
        } catch {
          await sleep(500);
        }
        if (stopping) return;
      }
    });
  };
  supervise();

  const attachment = Buffer.alloc(opts.kb * 1024, 'A')
    .toString('base64')
    .replace(/.{76}/g, '$&\r\n');
  const acked = new Set<number>();
  const replies = new Map<string, number>();
  let seq = 0;
  let sending = true;
  let refusedOnce = false;
  const session = async (): Promise<void> => {
    while (sending) {
      const n = seq++;
      const body = `X-Seq: ${n}\r\nSubject: invoice ${n}\r\nContent-Type: text/plain\r\n\r\n${attachment}`;
      const reply = await sendOne(gw.smtpPort, n, body);
      if (reply.startsWith('250')) acked.add(n);
      else {
        refusedOnce = true;
        const key = reply.slice(0, 9).trim();
        replies.set(key, (replies.get(key) ?? 0) + 1);
        await sleep(50);
      }
    }
  };
  const sessions = Array.from({ length: opts.sessions }, () => session());
  const t0 = Date.now();
  while (!refusedOnce && Date.now() - t0 < 120_000) {
    const s = await statfs(dataDir);
    if (s.bavail * s.bsize < 256 * 1024) break;
    await sleep(100);
  }
  const ackedBeforeFull = acked.size;
  const s1 = await statfs(dataDir);
  await writeFile(join(dataDir, 'ballast-1'), Buffer.alloc(s1.bavail * s1.bsize)).catch(() => undefined);
  await sleep(opts.fullS * 1000);
  const ackedWhileFull = acked.size - ackedBeforeFull;
  await rm(join(dataDir, 'ballast-1'), { force: true });
  await rm(join(dataDir, 'ballast-0'), { force: true });
  await sleep(opts.afterS * 1000);
  sending = false;
  await Promise.all(sessions);
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && [...acked].some((n) => !sink.counts.has(n))) await sleep(200);

  const delivered = [...acked].filter((n) => sink.counts.has(n)).length;
  const lost = acked.size - delivered;
  const duplicated = [...sink.counts.values()].reduce((sum, c) => sum + c - 1, 0);
  const unacked = [...sink.counts.keys()].filter((n) => !acked.has(n)).length;
  stopping = true;
  gw.child.kill('SIGTERM');
  await Promise.race([gw.exit, sleep(15_000)]);
  if (gw.child.exitCode === null) gw.child.kill('SIGKILL');
  await sink.close();
  try {
    execFileSync('umount', ['-l', dataDir]);
  } catch {
    /* already gone */
  }
  await rm(base, { recursive: true, force: true });
  const report = {
    root: opts.root,
    diskMb: opts.diskMb,
    sessions: opts.sessions,
    kb: opts.kb,
    minFreeMb: opts.minFreeMb,
    sent: seq,
    acked: acked.size,
    ackedBeforeFull,
    ackedWhileFull,
    delivered,
    lost,
    duplicated,
    deliveredWithoutAck: unacked,
    refusals: Object.fromEntries(replies),
    crashes: crashes.length,
    exitCodes: crashes,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  if (crashes.length > 0) process.stdout.write(`last stderr of the gateway:\n${stderrTail.slice(-800)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
