/**
 * npm run bench -- --fairness: tenant A blasts `--count` messages through smtp-load while
 * tenant B sends one invoice per second over its own connection; the receiving server takes
 * `--sink-delay` ms per message (default 1000), so delivery, not acceptance, is the bottleneck
 * and A's backlog grows. Prints B's delivery latency (250 → at the sink) p50/p99/max and the
 * total delivered throughput. Loopback only; every wait is bounded.
 */
import { createTransport } from 'nodemailer';
import type { ChildProcess } from 'node:child_process';
import { startBenchSink, type BenchSink } from './sink.js';

export interface FairnessDeps {
  readonly count: number;
  readonly concurrency: number;
  readonly size: number;
  readonly sinkDelayMs: number;
  createTenant(name: string): Promise<{ user: string; pass: string }>;
  startGateway(sink: BenchSink): Promise<{ child: ChildProcess; port: number }>;
  runLoad(args: string[]): Promise<{ ok: number; failed: number; rate: number }>;
  waitFor(cond: () => boolean, timeoutMs: number): Promise<boolean>;
  cleanup(): Promise<void>;
}

/** Each of B's invoices has its own envelope sender, so that arrival order does not matter. */
const probeFrom = (n: number): string => `invoice+${n}@tenant-b.test`;

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

export async function runFairness(deps: FairnessDeps): Promise<void> {
  const probeSent = new Map<string, number>();
  const latencies: number[] = [];
  const sink = await startBenchSink({
    delayMs: deps.sinkDelayMs,
    onMessage: (from) => {
      const sentAt = probeSent.get(from);
      if (sentAt !== undefined) latencies.push(Date.now() - sentAt);
    },
  });
  const a = await deps.createTenant('Bulk A BV');
  const b = await deps.createTenant('Invoice B BV');
  const gw = await deps.startGateway(sink);
  try {
    const start = Date.now();
    const blast = deps.runLoad([
      '--port',
      String(gw.port),
      '-c',
      String(deps.concurrency),
      '-n',
      String(deps.count),
      '-l',
      String(deps.size),
      '--starttls',
      '--user',
      a.user,
      '--pass',
      a.pass,
      '--label',
      'tenant-a',
    ]);
    let blasting = true;
    void blast.finally(() => {
      blasting = false;
    });
    const probe = createTransport({
      host: '127.0.0.1',
      port: gw.port,
      requireTLS: true,
      tls: { rejectUnauthorized: false },
      auth: { user: b.user, pass: b.pass },
    });
    let probes = 0;
    // one invoice per second while A is still sending, and at least 10
    while (probes < 10 || (blasting && probes < 300)) {
      const tick = Date.now();
      const from = probeFrom(probes);
      await probe.sendMail({
        envelope: { from, to: ['klant@customer.test'] },
        from,
        to: 'klant@customer.test',
        subject: `Factuur ${probes}`,
        text: 'Factuur',
      });
      probeSent.set(from, Date.now()); // after the 250: what the tenant waits for is delivery
      probes++;
      await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (Date.now() - tick))));
    }
    const load = await blast;
    const total = load.ok + probes;
    const done = await deps.waitFor(() => sink.count() >= total, 600_000);
    const seconds = (Date.now() - start) / 1000;
    console.log(
      `fairness: tenant A ${load.ok} msgs (accepted ${load.rate.toFixed(0)} msg/s, ${load.failed} failed), tenant B ${probes} msgs at 1/s, sink ${deps.sinkDelayMs} ms per message`,
    );
    console.log(
      `fairness: B delivery latency p50 ${percentile(latencies, 50)} ms p99 ${percentile(latencies, 99)} ms max ${Math.max(...latencies)} ms (${latencies.length}/${probes} arrived);` +
        ` total delivered ${(sink.count() / seconds).toFixed(1)} msg/s over ${seconds.toFixed(0)} s${done ? '' : ' (TIMED OUT)'}`,
    );
  } finally {
    gw.child.kill('SIGTERM');
    await deps.waitFor(() => gw.child.exitCode !== null, 15_000);
    await sink.close();
    await deps.cleanup();
  }
}
