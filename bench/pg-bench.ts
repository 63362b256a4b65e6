import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { startPostgres, type TestPostgres } from '../test/helpers/postgres.js';

const CLK_TCK = 100; // Linux USER_HZ

/** A throwaway PostgreSQL for `npm run bench -- --backend postgres`, and its CPU so it counts in the figures. */
export interface BenchPostgres {
  /** A fresh database per repetition. */
  freshDatabase(): Promise<string>;
  /** CPU of the server and every process it runs, exited backends included (ms). */
  cpuMs(): number;
  stop(): Promise<void>;
}

/** initdb in a temp folder on a free port (the test suite's own cluster helper), fsync and synchronous_commit on. */
export async function startBenchPostgres(): Promise<BenchPostgres> {
  const cluster: TestPostgres = await startPostgres();
  const postmaster = await postmasterPid(cluster.url);
  return {
    freshDatabase: () => cluster.freshDatabase(),
    cpuMs: () => treeCpuMs(postmaster),
    stop: () => cluster.stop(),
  };
}

/** The server's main process: the parent of any backend. */
async function postmasterPid(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    return statFields(rows[0]?.pid ?? 0).ppid;
  } finally {
    await client.end();
  }
}

/** utime+stime of the postmaster and its live children, plus what its exited children used (cutime+cstime). */
function treeCpuMs(postmaster: number): number {
  const own = statFields(postmaster);
  let ticks = own.utime + own.stime + own.cutime + own.cstime;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const child = statFields(Number(entry));
      if (child.ppid === postmaster) ticks += child.utime + child.stime;
    } catch {
      // the process ended while we looked
    }
  }
  return (ticks * 1000) / CLK_TCK;
}

function statFields(pid: number): { ppid: number; utime: number; stime: number; cutime: number; cstime: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
  return { ppid: f[1] ?? 0, utime: f[11] ?? 0, stime: f[12] ?? 0, cutime: f[13] ?? 0, cstime: f[14] ?? 0 };
}
