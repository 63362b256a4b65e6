import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);
const PG_ROOT = '/usr/lib/postgresql';
/** pg_ctl waits at most this long for the server to accept connections. */
const START_TIMEOUT_S = 20;

/** A throwaway PostgreSQL cluster: one per test file (beforeAll/afterAll). */
export interface TestPostgres {
  /** The cluster's `postgres` database (superuser, trust auth, TCP on 127.0.0.1). */
  readonly url: string;
  /** Creates an empty database and answers its URL: one per test where isolation matters. */
  freshDatabase(): Promise<string>;
  /** Stops the server (the data stays): the database becomes unreachable. */
  halt(): Promise<void>;
  /** Starts the server again on the same port, after `halt`. */
  resume(): Promise<void>;
  /** Stops the server and removes its folder. */
  stop(): Promise<void>;
}

/**
 * initdb in a temp folder, started on a free port of 127.0.0.1 with its unix socket in that folder,
 * fsync on (the promise the stores make is durability). As root, the cluster runs as the `postgres`
 * system user, which owns the folder (PostgreSQL refuses to run as root).
 */
export async function startPostgres(): Promise<TestPostgres> {
  const bin = postgresBin();
  const dir = await mkdtemp(join(tmpdir(), 'postbode-pg-'));
  const asRoot = process.getuid?.() === 0;
  const as: RunAs = (cmd, args) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args]) : run(join(bin, cmd), args);
  try {
    if (asRoot) await chownToPostgres(dir);
    return await clusterIn(dir, as);
  } catch (err) {
    // Leave nothing running or behind, and say why (the server's own log has the reason).
    await as('pg_ctl', ['stop', '-m', 'immediate', '-D', join(dir, 'data')]).catch(() => undefined);
    const log = await readFile(join(dir, 'log'), 'utf8').catch(() => '');
    await rm(dir, { recursive: true, force: true });
    throw new Error(`the PostgreSQL test cluster did not start: ${String(err)}\n${log.slice(-2000)}`);
  }
}

type RunAs = (cmd: string, args: string[]) => Promise<unknown>;

async function clusterIn(dir: string, as: RunAs): Promise<TestPostgres> {
  const data = join(dir, 'data');
  await as('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync']);
  const port = await freePort();
  const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=on -c synchronous_commit=on`;
  const start = () =>
    as('pg_ctl', ['start', '-w', '-t', String(START_TIMEOUT_S), '-D', data, '-l', join(dir, 'log'), '-o', options]);
  const halt = async () => {
    await as('pg_ctl', ['stop', '-w', '-m', 'fast', '-D', data]);
  };
  await start();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let databases = 0;
  return {
    url,
    freshDatabase: async () => {
      const name = `test_${++databases}`;
      await withClient(url, (client) => client.query(`CREATE DATABASE ${name}`));
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    halt,
    resume: async () => {
      await start();
    },
    stop: async () => {
      await halt().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The bin folder of the newest PostgreSQL Debian's packages installed; fails (never skips) without one. */
export function postgresBin(root = PG_ROOT): string {
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a))
    : [];
  const newest = versions[0];
  if (newest === undefined)
    throw new Error(`no PostgreSQL server binaries under ${root}/*/bin: install the Debian package "postgresql"`);
  return join(root, newest, 'bin');
}

async function chownToPostgres(dir: string): Promise<void> {
  const { stdout: uid } = await run('id', ['-u', 'postgres']);
  const { stdout: gid } = await run('id', ['-g', 'postgres']);
  await chown(dir, Number(uid.trim()), Number(gid.trim()));
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

/** One short-lived connection, closed whatever happens. */
export async function withClient<R>(url: string, use: (client: pg.Client) => Promise<R>): Promise<R> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}
