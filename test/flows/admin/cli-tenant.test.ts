import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTenantStore, type TenantStore } from '../../../src/tenants/lmdb-tenant-store.js';
import { verifyPassword } from '../../../src/tenants/password.js';
import { storageAt } from '../../helpers/temp-storage.js';
import { distFile } from '../../helpers/gateway-process.js';

const root = resolve(import.meta.dirname, '../../..');

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the CLI (`postbode ...args`, as bin/postbode.mjs runs it from a build) with no POSTBODE_* from this
 * process's env. cli-postgres.test.ts runs bin/postbode.mjs itself.
 */
function postbode(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('POSTBODE_')));
  return new Promise((done) => {
    execFile(
      process.execPath,
      [distFile('admin/cli/main.js'), ...args],
      { cwd: root, env: { ...clean, ...env }, timeout: 20_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

function field(output: string, name: string): string {
  const match = new RegExp(`^\\s*${name}:\\s*(\\S+)`, 'm').exec(output);
  if (!match?.[1]) throw new Error(`no ${name} in output:\n${output}`);
  return match[1];
}

let dir: string;
let configFile: string;
/** Held open for the whole file, like a running gateway holds it. */
let gatewayStore: TenantStore;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'postbode-cli-'));
  configFile = join(dir, 'postbode.yaml');
  await writeFile(
    configFile,
    `dataDir: ${JSON.stringify(join(dir, 'data'))}\nhostname: smtp.acme.test\nsmtp:\n  port: 2626\n  tlsPort: 4650\n`,
  );
  gatewayStore = openTenantStore(storageAt(join(dir, 'data')));
});

afterAll(async () => {
  await gatewayStore?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('postbode tenant add', () => {
  it('creates a tenant that an already open store sees, with a password matching the stored hash', async () => {
    const run = await postbode([
      'tenant',
      'add',
      '--name',
      'Acme',
      '--allow-ip',
      '10.0.0.0/24',
      '--config',
      configFile,
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const id = field(run.stdout, 'id');
    const username = field(run.stdout, 'username');
    const password = field(run.stdout, 'password');
    expect(username).toMatch(/^acme-[a-z2-9]{6}$/);
    expect(field(run.stdout, 'server')).toBe('smtp.acme.test');
    expect(field(run.stdout, 'port')).toBe('2626');
    expect(run.stdout).toMatch(/security:\s+STARTTLS \(required before login\)/);
    expect(run.stdout).toContain('port 4650 with SSL/TLS');

    const stored = await gatewayStore.bySmtpUsername(username);
    expect(stored?.id).toBe(id);
    expect(stored?.allowedIps).toEqual(['10.0.0.0/24']);
    expect(await verifyPassword(password, stored?.smtpPasswordHash ?? '')).toBe(true);
    expect((await gatewayStore.byAllowedIp('10.0.0.42'))?.id).toBe(id);
  });

  it("takes --require-tls: the tenant's allow-listed addresses then send only over STARTTLS", async () => {
    const run = await postbode([
      '--config',
      configFile,
      'tenant',
      'add',
      '--name',
      'Scanner',
      '--allow-ip',
      '10.9.0.0/24',
      '--require-tls',
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('may also send without login (over STARTTLS)');
    expect((await gatewayStore.byAllowedIp('10.9.0.7'))?.requireTls).toBe(true);
  });

  it('takes --username and --allow-plaintext-auth, and lists tenants', async () => {
    const run = await postbode([
      '--config',
      configFile,
      'tenant',
      'add',
      '--name',
      'Bakker & Zn',
      '--username',
      'bakker',
      '--allow-plaintext-auth',
    ]);
    expect(run.code).toBe(0);
    expect(field(run.stdout, 'username')).toBe('bakker');
    expect((await gatewayStore.bySmtpUsername('BAKKER'))?.allowPlaintextAuth).toBe(true);
    const list = await postbode(['tenant', 'list', '--config', configFile]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^ID\s+USERNAME\s+NAME/m);
    expect(list.stdout).toMatch(/bakker\s+Bakker & Zn\s+-\s+yes/);
  });

  it('lets exactly one of several concurrent processes take a user name', async () => {
    const runs = await Promise.all(
      Array.from({ length: 3 }, (_, i) =>
        postbode([
          'tenant',
          'add',
          '--name',
          `Racer ${i}`,
          '--username',
          i % 2 ? 'racer' : 'RACER',
          '--config',
          configFile,
        ]),
      ),
    );
    expect(runs.filter((r) => r.code === 0)).toHaveLength(1);
    for (const lost of runs.filter((r) => r.code !== 0)) {
      expect(lost.code).toBe(1);
      expect(lost.stderr).toMatch(/^postbode: SMTP user name "(racer|RACER)" is already taken\n$/);
    }
  });
});

describe('postbode errors', () => {
  // More cases run in-process in cli-program.test.ts; here the real process and its exit code.
  it('exits 1 with one clear line for bad input, from our checks and from commander', async () => {
    const [badName, noName] = await Promise.all([
      postbode(['tenant', 'add', '--name', '', '--config', configFile]),
      postbode(['tenant', 'add', '--config', configFile]),
    ]);
    expect(badName).toEqual({ code: 1, stdout: '', stderr: 'postbode: tenant name must not be empty\n' });
    expect(noName).toEqual({ code: 1, stdout: '', stderr: "error: required option '--name <name>' not specified\n" });
  });
});

describe('postbode tenant rotate-password', () => {
  it('prints a new password that replaces the old one', async () => {
    const added = await postbode(['tenant', 'add', '--name', 'Rotate', '--config', configFile]);
    const id = field(added.stdout, 'id');
    const rotated = await postbode(['tenant', 'rotate-password', id, '--config', configFile]);
    expect(rotated.code).toBe(0);
    const stored = await gatewayStore.byId(id);
    expect(await verifyPassword(field(rotated.stdout, 'password'), stored?.smtpPasswordHash ?? '')).toBe(true);
    expect(await verifyPassword(field(added.stdout, 'password'), stored?.smtpPasswordHash ?? '')).toBe(false);
  });
});
