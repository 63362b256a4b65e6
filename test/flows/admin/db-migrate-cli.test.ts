import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/admin/cli/program.js';
import { loadMigrations } from '../../../src/store/postgres/migrate.js';
import { startPostgres, type TestPostgres, withClient } from '../../helpers/postgres.js';

async function cli(args: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io = { out: (t: string) => void (out += t), err: (t: string) => void (err += t), env: {}, cwd: process.cwd() };
  const code = await runCli(args, io);
  return { code, out, err };
}

describe('postbode db migrate', () => {
  let cluster: TestPostgres;
  beforeAll(async () => {
    cluster = await startPostgres();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('prints the migrations it applied, then that the database is up to date, never the password', async () => {
    const url = await cluster.freshDatabase();
    await withClient(url, (c) => c.query("ALTER USER postgres PASSWORD 's3cret-pw'"));
    const withPassword = url.replace('postgres@', 'postgres:s3cret-pw@');
    const first = await cli(['db', 'migrate', '--url', withPassword]);
    expect(first).toMatchObject({ code: 0, err: '' });
    const all = await loadMigrations();
    const last = all.at(-1)?.version;
    const applied = all.map((m) => `applied ${m.name}\n`).join('');
    expect(first.out.startsWith(`${applied}`)).toBe(true);
    expect(first.out.slice(applied.length)).toMatch(new RegExp(`: now at version ${last}\\n$`));
    const again = await cli(['db', 'migrate', '--url', withPassword]);
    expect(again.out).toMatch(new RegExp(`: up to date at version ${last}\\n$`));
    expect(first.out + again.out).not.toContain('s3cret-pw');
    expect(again.out).toContain('postgres:***@127.0.0.1');
  });

  it('answers an unreachable database with exit code 1 and the reason', async () => {
    const url = await cluster.freshDatabase();
    const closed = url.replace(/:\d+\//, ':1/');
    const result = await cli(['db', 'migrate', '--url', closed]);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/^postbode: connecting to the database failed: .*ECONNREFUSED/);
  });
});
