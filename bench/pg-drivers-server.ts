/** What the PostgreSQL server did during a case: CPU of all its processes, WAL, commits, WAL syncs. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type pg from 'pg';

const CLK_TCK = 100; // Linux USER_HZ

export interface ServerSnapshot {
  readonly cpuMs: number;
  readonly walBytes: number;
  readonly commits: number;
  readonly walSyncs: number;
}

function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined; // the process exited meanwhile: its CPU is in the postmaster's cutime
  }
}

/** The postmaster's CPU with its reaped children (cutime, cstime) plus its live children's. */
export function serverCpuMs(postmaster: number): number {
  const own = statFields(postmaster);
  if (own === undefined) throw new Error(`postmaster ${postmaster} is gone`);
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === postmaster) continue;
    const fields = statFields(pid);
    if (fields !== undefined && Number(fields[1]) === postmaster) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return (ticks * 1000) / CLK_TCK;
}

export async function postmasterPid(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  const fields = statFields(Number(rows[0]?.pid));
  if (fields === undefined) throw new Error('cannot read the backend process');
  return Number(fields[1]);
}

/**
 * Read after the case's connections closed (`reaped`): a backend flushes its statistics when it
 * exits, while an idle one may hold them for seconds.
 */
export async function snapshot(client: pg.Client, postmaster: number, database: string): Promise<ServerSnapshot> {
  await client.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await client.query<{ wal: string; commits: string; syncs: string }>(
    `SELECT pg_current_wal_lsn() - '0/0'::pg_lsn AS wal,
            (SELECT xact_commit FROM pg_stat_database WHERE datname = $1) AS commits,
            (SELECT wal_sync FROM pg_stat_wal) AS syncs`,
    [database],
  );
  const row = rows[0];
  return {
    cpuMs: serverCpuMs(postmaster),
    walBytes: Number(row?.wal),
    commits: Number(row?.commits),
    walSyncs: Number(row?.syncs),
  };
}

/** The server processes serving `database` now (the case's connections). */
export async function backendPids(client: pg.Client, database: string): Promise<number[]> {
  const { rows } = await client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [
    database,
  ]);
  return rows.map((r) => r.pid);
}

/**
 * Waits (bounded) until these backends have exited and the postmaster has reaped them: their CPU is
 * then in its cutime and their statistics flushed (a backend flushes them as it exits).
 */
export async function reaped(pids: number[]): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (pids.every((pid) => !existsSync(`/proc/${pid}`))) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`backends ${pids.join(', ')} did not exit`);
}
