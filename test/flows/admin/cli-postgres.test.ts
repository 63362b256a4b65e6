import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../../src/admin/auth/authenticator.js';
import { openPgAuditLog } from '../../../src/admin/audit/pg-audit-log.js';
import { openPgTokenStore } from '../../../src/admin/auth/pg-token-store.js';
import { runCli } from '../../../src/admin/cli/program.js';
import { openPgPool } from '../../../src/store/postgres/pool.js';
import { openTenantStore } from '../../../src/tenants/lmdb-tenant-store.js';
import { verifyPassword } from '../../../src/tenants/password.js';
import { openPgTenantStore } from '../../../src/tenants/pg-tenant-store.js';
import { startPostgres, type TestPostgres } from '../../helpers/postgres.js';
import { storageAt } from '../../helpers/temp-storage.js';
import { waitFor } from '../../helpers/wait-for.js';

/** `postbode tenant …` and `token …` with `store.backend: postgres` write the database every node reads. */
const root = resolve(import.meta.dirname, '../../..');
let cluster: TestPostgres;
let dir: string;

beforeAll(async () => {
  cluster = await startPostgres();
  dir = await mkdtemp(join(tmpdir(), 'postbode-cli-pg-'));
});
afterAll(async () => {
  await cluster?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** A config on a fresh database (not migrated: the CLI does that) and its own data dir. */
async function pgConfig(name: string): Promise<{ file: string; url: string; dataDir: string }> {
  const url = await cluster.freshDatabase();
  const dataDir = join(dir, `${name}-data`);
  const file = join(dir, `${name}.yaml`);
  await writeFile(
    file,
    [`dataDir: ${JSON.stringify(dataDir)}`, 'store:', '  backend: postgres', '  postgres:', `    url: ${url}`, ''].join(
      '\n',
    ),
  );
  return { file, url, dataDir };
}

async function cli(args: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io = { out: (t: string) => void (out += t), err: (t: string) => void (err += t), env: {}, cwd: dir };
  const code = await runCli(args, io);
  return { code, out, err };
}

function field(output: string, name: string): string {
  const match = new RegExp(`^\\s*${name}:\\s*(\\S+)`, 'm').exec(output);
  if (!match?.[1]) throw new Error(`no ${name} in output:\n${output}`);
  return match[1];
}

async function withPool<T>(url: string, use: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const pool = openPgPool(url, { max: 2 });
  try {
    return await use(pool);
  } finally {
    await pool.end();
  }
}

/**
 * True once no connection of a CLI pool is open on the database (this check's own is left out). A
 * backend leaves pg_stat_activity a moment after its client hung up: polled, bounded.
 */
async function noCliConnections(url: string): Promise<boolean> {
  return await withPool(url, (pool) =>
    waitFor(
      async () => {
        const { rows } = await pool.query<{ n: string }>(
          `SELECT count(*) AS n FROM pg_stat_activity
          WHERE datname = current_database() AND application_name = 'postbode' AND pid <> pg_backend_pid()`,
        );
        return Number(rows[0]?.n) === 0;
      },
      5_000,
      'the CLI to close its connections',
    ),
  );
}

describe('the tenant and token commands on store.backend: postgres', () => {
  it('tenant add migrates the database, writes the tenant there (not in LMDB) and claims its local part', async () => {
    const { file, url, dataDir } = await pgConfig('add');
    const run = await cli(['tenant', 'add', '--name', 'Acme', '--allow-ip', '10.1.0.0/16', '--config', file]);
    expect(run).toMatchObject({ code: 0, err: '' });
    const id = field(run.out, 'id');
    await withPool(url, async (pool) => {
      const tenants = openPgTenantStore(pool);
      const stored = await tenants.byId(id);
      expect(stored).toMatchObject({ name: 'Acme', smtpUsername: field(run.out, 'username') });
      expect(await verifyPassword(field(run.out, 'password'), stored?.smtpPasswordHash ?? '')).toBe(true);
      expect((await tenants.byAllowedIp('10.1.2.3'))?.id).toBe(id);
      const { rows } = await pool.query<{ local_part: string | null }>(
        'SELECT local_part FROM sender_settings WHERE tenant_id = $1',
        [id],
      );
      expect(rows[0]?.local_part).toMatch(/^acme/);
    });
    const lmdb = openTenantStore(storageAt(dataDir));
    try {
      expect(await lmdb.list({ limit: 10 })).toEqual([]);
    } finally {
      await lmdb.close();
    }
    expect(await noCliConnections(url)).toBe(true);
    const listed = await cli(['tenant', 'list', '--config', file]);
    expect(listed.out).toMatch(new RegExp(`^${id}\\s+acme\\S*\\s+Acme\\s+10\\.1\\.0\\.0/16\\s+no$`, 'm'));
  });

  it('rotate-password changes the hash in the database; an unknown id exits 1', async () => {
    const { file, url } = await pgConfig('rotate');
    const id = field((await cli(['tenant', 'add', '--name', 'Rot', '--config', file])).out, 'id');
    const rotated = await cli(['tenant', 'rotate-password', id, '--config', file]);
    expect(rotated.code).toBe(0);
    await withPool(url, async (pool) => {
      const stored = await openPgTenantStore(pool).byId(id);
      expect(await verifyPassword(field(rotated.out, 'password'), stored?.smtpPasswordHash ?? '')).toBe(true);
    });
    expect(await cli(['tenant', 'rotate-password', 'NOPE', '--config', file])).toMatchObject({
      code: 1,
      err: 'postbode: no tenant NOPE\n',
    });
  });

  it('a token made by the CLI is accepted by the pg token store; once revoked it is refused', async () => {
    const { file, url } = await pgConfig('token');
    const tenantId = field((await cli(['tenant', 'add', '--name', 'Tok', '--config', file])).out, 'id');
    expect(await cli(['token', 'create', '--tenant', 'NOPE', '--config', file])).toMatchObject({
      code: 1,
      err: 'postbode: no tenant NOPE\n',
    });
    const made = await cli(['token', 'create', '--tenant', tenantId, '--config', file]);
    expect(made).toMatchObject({ code: 0, err: '' });
    const admin = await cli(['token', 'create', '--admin', '--config', file]);
    await withPool(url, async (pool) => {
      const authenticate = createAuthenticator({
        tokens: openPgTokenStore(pool),
        tenants: openPgTenantStore(pool),
        envAdmin: undefined,
        clock: () => Date.now(),
        logger: pino({ level: 'silent' }),
        touchEveryMs: Number.MAX_SAFE_INTEGER,
      });
      expect((await authenticate(field(made.out, 'token')))?.principal).toEqual({
        kind: 'tenant',
        tenantId,
        tokenId: field(made.out, 'id'),
      });
      expect((await authenticate(field(admin.out, 'token')))?.principal).toEqual({ kind: 'admin' });
      const revoked = await cli(['token', 'revoke', field(made.out, 'id'), '--config', file]);
      expect(revoked.code).toBe(0);
      expect(await authenticate(field(made.out, 'token'))).toBeUndefined();
    });
    expect(await noCliConnections(url)).toBe(true);
  });

  it("audits the CLI's changes in the database's audit log, beside the API's (actor cli), not in LMDB", async () => {
    const { file, url } = await pgConfig('audit');
    const tenantId = field((await cli(['tenant', 'add', '--name', 'Audit', '--config', file])).out, 'id');
    const made = await cli(['token', 'create', '--tenant', tenantId, '--config', file]);
    expect(made.code).toBe(0);
    await withPool(url, async (pool) => {
      const page = await openPgAuditLog(pool).list({ limit: 10 });
      expect(page.entries.map((e) => [e.actor, e.route, e.targetId, e.tenantId])).toEqual([
        ['cli', 'token create', field(made.out, 'id'), tenantId],
        ['cli', 'tenant add', tenantId, tenantId],
      ]);
    });
    expect(await noCliConnections(url)).toBe(true);
  });

  it('refuses the queue commands, naming the API (the LMDB queue here is not the shared one)', async () => {
    const { file } = await pgConfig('queue');
    const listed = await cli(['queue', 'list', '--config', file]);
    expect(listed.code).toBe(1);
    expect(listed.err).toMatch(/store\.backend: postgres use the API \(GET \/api\/v1\/messages/);
  });

  it('as a process, tenant add exits by itself once done (no connection left open)', async () => {
    const { file, url } = await pgConfig('process');
    const run = await new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
      execFile(
        process.execPath,
        [join(root, 'bin/postbode.mjs'), 'tenant', 'add', '--name', 'Proc', '--config', file],
        { cwd: root, env: { PATH: process.env.PATH ?? '' }, timeout: 20_000 },
        (err, stdout, stderr) =>
          done({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
      );
    });
    // A pool or a LISTEN left open would keep the process alive until the timeout kills it (code -1).
    expect(run).toMatchObject({ code: 0, stderr: '' });
    await withPool(url, async (pool) => {
      expect((await openPgTenantStore(pool).byId(field(run.stdout, 'id')))?.name).toBe('Proc');
    });
  }, 40_000);
});
