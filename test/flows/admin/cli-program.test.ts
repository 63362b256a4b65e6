import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/admin/cli/program.js';
import { openTenantStore } from '../../../src/tenants/lmdb-tenant-store.js';
import { storageAt } from '../../helpers/temp-storage.js';

/** The CLI in-process (same code as bin/postbode.mjs runs, without a process per case). */
async function cli(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    env,
    cwd: dir,
  });
  return { code, out, err };
}

let dir: string;
let configFile: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'postbode-cli-program-'));
  configFile = join(dir, 'postbode.yaml');
  await writeFile(configFile, 'dataDir: data\nhostname: smtp.example.test\n');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('runCli', () => {
  it.each<[string[], RegExp]>([
    [
      ['tenant', 'add', '--name', 'X', '--allow-ip', '10.0.0.0/33'],
      /^postbode: not an IP address or CIDR range: "10\.0\.0\.0\/33"\n$/,
    ],
    [
      ['tenant', 'add', '--name', 'X', '--username', 'bad name'],
      /^postbode: SMTP user name "bad name" may only hold [^\n]*\n$/,
    ],
    [
      ['tenant', 'add', '--name', 'Evil\r\nBcc: x@example.test'],
      /^postbode: tenant name must not contain line breaks or control characters\n$/,
    ],
    [['tenant', 'rotate-password', 'NOPE'], /^postbode: no tenant NOPE\n$/],
    [['tenant', 'frobnicate'], /^error: unknown command 'frobnicate'/],
    [['tenant', 'add', '--name', 'X', '--bogus'], /^error: unknown option '--bogus'/],
  ])('%j exits 1 with a clear message on stderr only', async (args, message) => {
    const run = await cli([...args, '--config', configFile]);
    expect(run.code).toBe(1);
    expect(run.err).toMatch(message);
    expect(run.out).toBe('');
  });

  it('stores into <dataDir>/config resolved against cwd, and prints the STARTTLS settings', async () => {
    const run = await cli(['tenant', 'add', '--name', 'Plain', '--allow-plaintext-auth', '--config', configFile]);
    expect(run.code).toBe(0);
    // The tenant flag alone does not open a listener that offers AUTH only after TLS.
    expect(run.out).toMatch(
      new RegExp(
        [
          'server:\\s+smtp\\.example\\.test\\n\\s+port:\\s+2525\\n',
          '\\s+security:\\s+STARTTLS \\(required before login\\)\\n',
          '.*takes effect only when smtp\\.allowPlaintextAuth',
        ].join(''),
      ),
    );
    expect(run.out).not.toContain('SSL/TLS');
    const store = openTenantStore(storageAt(join(dir, 'data')));
    try {
      expect((await store.list({ limit: 10 })).map((t) => t.name)).toContain('Plain');
    } finally {
      await store.close();
    }
  });

  it('reads the config file from POSTBODE_CONFIG and reports config errors with the key and source', async () => {
    expect((await cli(['tenant', 'list'], { POSTBODE_CONFIG: configFile })).out).toContain('Plain');
    const bad = await cli(['tenant', 'list'], { POSTBODE_CONFIG: configFile, POSTBODE_DELIVERY__MODDE: 'direct' });
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('config: delivery.modde: no such setting (from POSTBODE_DELIVERY__MODDE)');
  });

  it('says how to start when there are no tenants', async () => {
    const empty = join(dir, 'empty.yaml');
    await writeFile(empty, 'dataDir: empty-data\n');
    const run = await cli(['tenant', 'list', '--config', empty]);
    expect(run).toEqual({
      code: 0,
      err: '',
      out: 'No tenants yet. Create one with: postbode tenant add --name "Acme"\n',
    });
  });

  it('prints help with exit 0', async () => {
    const run = await cli(['--help']);
    expect(run.code).toBe(0);
    expect(run.out).toContain('tenant');
  });
});
