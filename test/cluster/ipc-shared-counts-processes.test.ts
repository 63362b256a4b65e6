import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startCountsRelay } from '../../src/cluster/counts-relay.js';
import { cleanupAfterEach } from '../helpers/cleanups.js';
import { waitFor } from '../helpers/wait-for.js';

const WORKER = fileURLToPath(new URL('./fixtures/counts-worker.ts', import.meta.url));
const KEY = '203.0.113.7';

const cleanups = cleanupAfterEach();

interface Child {
  readonly proc: ChildProcess;
  /** Adds n (0: only reads) to KEY in the child and answers its total there. */
  count(n: number): Promise<number>;
}

/** The test process plays the primary: it relays its children's counts and sends them commands. */
function primary() {
  const children = new Map<string, ChildProcess>();
  const relay = startCountsRelay({
    workers: () =>
      [...children].filter(([, proc]) => proc.connected).map(([id, proc]) => ({ id, send: (msg) => proc.send(msg) })),
  });
  const start = async (id: string): Promise<Child> => {
    const proc = fork(WORKER, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    cleanups.push(() => stop(proc));
    children.set(id, proc);
    const answers = new Map<number, (total: number) => void>();
    let ready: boolean | undefined;
    proc.on('message', (msg: { ready?: string; synced?: boolean; seq?: number; total?: number }) => {
      if (relay.onWorkerMessage(id, msg)) return;
      if (msg.ready !== undefined) ready = msg.synced;
      if (msg.seq !== undefined && msg.total !== undefined) answers.get(msg.seq)?.(msg.total);
    });
    await waitFor(() => ready !== undefined, 20_000, `worker ${id} to start`);
    expect(ready).toBe(true); // the primary answered its hello
    let seq = 0;
    const count = (n: number) =>
      new Promise<number>((resolve, reject) => {
        const mine = ++seq;
        const timer = setTimeout(() => reject(new Error(`worker ${id} did not answer`)), 5_000);
        answers.set(mine, (total) => {
          clearTimeout(timer);
          answers.delete(mine);
          resolve(total);
        });
        proc.send({ cmd: n > 0 ? 'add' : 'total', seq: mine, key: KEY, n });
      });
    return { proc, count };
  };
  return { start };
}

/** Kills `proc` if it still runs and waits (5 s at most) for it to be gone. */
async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGKILL');
  await Promise.race([gone, new Promise((resolve) => setTimeout(resolve, 5_000))]);
}

describe('IpcSharedCounts between real worker processes', () => {
  it('shows two workers the sum of their counts within a second, and a restarted one at once', async () => {
    const { start } = primary();
    const [a, b] = await Promise.all([start('1'), start('2')]);
    expect(await a.count(3)).toBe(3); // counted at once, locally (b has not counted yet)
    // b's own 4 at once; a's 3 may already have arrived through the primary, or not yet.
    expect([4, 7]).toContain(await b.count(4));
    const both = async () => (await a.count(0)) === 7 && (await b.count(0)) === 7;
    await waitFor(both, 1_000, 'both workers to see 3 + 4');

    // A crash: the worker that starts in its place counts the 7 once ready (the primary's snapshot).
    await stop(a.proc);
    const c = await start('3');
    expect(await c.count(0)).toBe(7);
    expect(await c.count(1)).toBe(8);
    await waitFor(async () => (await b.count(0)) === 8, 1_000, 'b to see the new worker count');
  });
});
