/**
 * tsx bench/soak-kill.ts — the kill -9 loop: how much acknowledged mail is lost or delivered
 * twice when the gateway dies again and again under load.
 *
 *   tsx bench/soak-kill.ts [--kills 20] [--sessions 10] [--run-ms 2500] [--slow-ms 1500] [--domains 3] [--root DIR]
 *
 * Each message goes to three recipient domains delivered directly (MX → a sink on 127.0.0.1):
 * two answer at once, one answers `--slow-ms` later (a slow receiving server); `--domains 1`
 * sends to one quick domain only (one SMTP transaction per message). `--sessions`
 * SMTP clients send for `--run-ms`, then the gateway gets SIGKILL; `--kills` times over the
 * same data directory, then one last start delivers what is left. A copy counts at the sink
 * when the sink answers 250, whether or not the killed gateway was still there to hear it.
 * Prints acked, delivered, lost and duplicated, per recipient copy and per message.
 * `--root` runs another checkout's src/main.ts (its node_modules must resolve): the figures
 * before and after a change. Loopback only; every wait is bounded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTransport } from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { openTenantStore } from '../src/tenants/lmdb-tenant-store.js';
import { cliStorage } from '../src/admin/cli/cli-storage.js';
import { addTenant } from '../src/tenants/tenant-service.js';
import { startDnsServer } from '../test/helpers/dns-server.js';
import { directDeliveryEnv, loopbackMxZone, processEnv } from '../test/helpers/process-env.js';

const here = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ALL_DOMAINS = ['fast1.test', 'fast2.test', 'slow.test'] as const;
const START_TIMEOUT_MS = 30_000;
const DRAIN_TIMEOUT_MS = 120_000;

function parseArgs(argv: string[]) {
  const o = { kills: 20, sessions: 10, runMs: 2500, slowMs: 1500, domains: 3, root: here };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[++i] ?? '';
    if (a === '--kills') o.kills = Number(v);
    else if (a === '--sessions') o.sessions = Number(v);
    else if (a === '--run-ms') o.runMs = Number(v);
    else if (a === '--slow-ms') o.slowMs = Number(v);
    else if (a === '--domains') o.domains = Math.min(3, Math.max(1, Number(v)));
    else if (a === '--root') o.root = resolve(v);
    else throw new Error(`unknown argument ${a}`);
  }
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const DOMAINS = ALL_DOMAINS.slice(0, opts.domains);

/** Copies per `seq recipient`, counted as the sink answers 250. */
async function startCountingSink(
  slowMs: number,
): Promise<{ port: number; copies: Map<string, number>; close(): Promise<void> }> {
  const copies = new Map<string, number>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    disableReverseLookup: true,
    maxClients: 2000,
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const seq = /^X-Seq: (\d+)/im.exec(Buffer.concat(chunks).toString('latin1'))?.[1] ?? '?';
        const to = session.envelope.rcptTo.map((r) => r.address);
        const answer = (): void => {
          for (const address of to) copies.set(`${seq} ${address}`, (copies.get(`${seq} ${address}`) ?? 0) + 1);
          cb(null, 'Ok');
        };
        if (to.some((a) => a.endsWith('@slow.test'))) setTimeout(answer, slowMs);
        else answer();
      });
    },
  });
  server.on('error', () => undefined); // the killed gateway's sockets reset
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.server.address() as { port: number }).port;
  return { port, copies, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** `replayed`: in-flight messages the start found (its listening line; undefined on code that does not count them). */
interface Gateway {
  readonly child: ChildProcess;
  readonly smtpPort: number;
  readonly httpPort: number;
  readonly replayed?: number;
}

function startGateway(env: Record<string, string>): Promise<Gateway> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(opts.root, 'src/main.ts')], {
    cwd: opts.root,
    env: { ...process.env, POSTBODE_LOG__LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gateway did not start:\n${out.slice(-2000)}`));
    }, START_TIMEOUT_MS);
    child.stdout!.on('data', (d: Buffer) => {
      if (out.includes('"postbode listening"')) return;
      out += d.toString();
      const line = out.split('\n').find((l) => l.includes('"postbode listening"'));
      if (!line) return;
      clearTimeout(timer);
      const parsed = JSON.parse(line) as { smtpPort: number; httpPort: number; replayed?: number };
      resolveStart({
        child,
        smtpPort: parsed.smtpPort,
        httpPort: parsed.httpPort,
        ...(parsed.replayed === undefined ? {} : { replayed: parsed.replayed }),
      });
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code}:\n${out.slice(-2000)}`));
    });
  });
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((r) => {
    if (child.exitCode !== null || child.signalCode !== null) r();
    else {
      child.once('exit', () => r());
      child.kill('SIGKILL');
    }
  });
}

/** `sessions` clients send one message after another until `until`; each 250 adds its seq to `acked`. */
async function load(
  gw: Gateway,
  creds: { user: string; pass: string },
  until: number,
  next: { seq: number },
  acked: Set<number>,
): Promise<void> {
  const session = async (): Promise<void> => {
    const client = createTransport({
      host: '127.0.0.1',
      port: gw.smtpPort,
      requireTLS: true,
      tls: { rejectUnauthorized: false },
      auth: creds,
    });
    try {
      while (Date.now() < until) {
        const seq = next.seq++;
        const to = DOMAINS.map((d, i) => `r${i}@${d}`);
        const info = await client.sendMail({
          from: 'billing@acme.test',
          to,
          subject: `Factuur ${seq}`,
          headers: { 'X-Seq': String(seq) },
          text: `Invoice ${seq}\n`.repeat(50),
        });
        if (/^250 /.test(String(info.response))) acked.add(seq);
      }
    } catch {
      // the gateway was killed under this session: that message was not acknowledged
    } finally {
      client.close();
    }
  };
  await Promise.all(Array.from({ length: opts.sessions }, session));
}

async function drained(gw: Gateway): Promise<boolean> {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const health = await fetch(`http://127.0.0.1:${gw.httpPort}/healthz`).then(
      (r) => r.json() as Promise<{ queue?: { messages: number }; inFlight?: number }>,
      () => undefined,
    );
    if (health?.queue?.messages === 0 && health.inFlight === 0) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

function report(
  acked: Set<number>,
  copies: Map<string, number>,
  drainedOk: boolean,
  replayed: number | undefined,
): void {
  let delivered = 0;
  let lost = 0;
  let duplicated = 0;
  let messagesDuplicated = 0;
  let messagesLost = 0;
  const byDomain = DOMAINS.map(() => 0);
  for (const seq of acked) {
    const counts = DOMAINS.map((d, i) => copies.get(`${seq} r${i}@${d}`) ?? 0);
    counts.forEach((c, i) => {
      byDomain[i]! += Math.max(0, c - 1);
    });
    delivered += counts.filter((c) => c > 0).length;
    lost += counts.filter((c) => c === 0).length;
    duplicated += counts.reduce((sum, c) => sum + Math.max(0, c - 1), 0);
    if (counts.some((c) => c > 1)) messagesDuplicated++;
    if (counts.some((c) => c === 0)) messagesLost++;
  }
  console.log(
    `root ${opts.root}: ${opts.kills} kills at ${opts.sessions} sessions, ${opts.runMs} ms each, domains ${DOMAINS.join(' ')}, slow domain ${opts.slowMs} ms${drainedOk ? '' : ' (DRAIN TIMED OUT)'}`,
  );
  console.log(
    `messages: acked ${acked.size}, lost ${messagesLost}, with an extra copy ${messagesDuplicated}; replayed at the starts ${replayed ?? 'not counted'}`,
  );
  console.log(
    `recipient copies: acked ${acked.size * DOMAINS.length}, delivered ${delivered}, lost ${lost}, duplicated ${duplicated} (${DOMAINS.map((d, i) => `${d} ${byDomain[i]}`).join(', ')})`,
  );
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'postbode-soak-kill-'));
  const sink = await startCountingSink(opts.slowMs);
  const dns = await startDnsServer(loopbackMxZone(ALL_DOMAINS));
  const store = openTenantStore(cliStorage({ dataDir }));
  const { tenant, password } = await addTenant(store, { name: 'Soak BV' });
  await store.close();
  const creds = { user: tenant.smtpUsername, pass: password };
  const env = {
    ...processEnv(dataDir, 'soak.postbode.test'),
    ...directDeliveryEnv(sink.port, dns.address),
  };
  const acked = new Set<number>();
  const next = { seq: 0 };
  let replayed: number | undefined;
  const counted = (gw: Gateway): void => {
    if (gw.replayed !== undefined) replayed = (replayed ?? 0) + gw.replayed;
  };
  let drainedOk = false;
  try {
    for (let k = 1; k <= opts.kills; k++) {
      const gw = await startGateway(env);
      counted(gw);
      const sending = load(gw, creds, Date.now() + opts.runMs, next, acked);
      await new Promise((r) => setTimeout(r, opts.runMs));
      await killed(gw.child);
      await sending;
      process.stdout.write(`kill ${k}: acked so far ${acked.size}\n`);
    }
    const last = await startGateway(env);
    counted(last);
    drainedOk = await drained(last);
    last.child.kill('SIGTERM');
    await new Promise((r) => last.child.once('exit', r));
  } finally {
    report(acked, sink.copies, drainedOk, replayed);
    await Promise.all([sink.close(), dns.close()]);
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
