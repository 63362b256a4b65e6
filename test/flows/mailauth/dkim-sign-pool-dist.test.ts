/**
 * The sign pool as it runs in production: compiled to .js by tsc, started by plain node
 * (no tsx), loading `sign-worker.js` next to it. Compiles src/mailauth into a temp folder.
 */
import { execFile } from 'node:child_process';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileToDist } from '../../helpers/compile-dist.js';
import { resolverFor } from '../../../src/mailauth/dns-lookup.js';
import { generateDkimKey } from '../../../src/mailauth/keys.js';
import { dkimRecord } from '../../../src/mailauth/records.js';
import type { SigningKey } from '../../../src/mailauth/signer.js';
import { txtResolver, verifyMessage } from '../../../src/mailauth/verify.js';
import { startDnsServer, type DnsTestServer } from '../../helpers/dns-server.js';

const run = promisify(execFile);
const DOMAIN = 'dist.test';

let dir: string;
let dns: DnsTestServer;

beforeAll(async () => {
  dir = await compileToDist(
    'postbode-dkim-dist-',
    ['src/mailauth/sign-pool.ts', 'src/mailauth/sign-worker.ts'],
    60_000,
  );
}, 90_000);

afterAll(async () => {
  await dns?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

const CHILD = `
import { createSignPool, signWorkerSpec } from './dist/mailauth/sign-pool.js';
const keys = JSON.parse(process.env.DKIM_KEYS);
const { filename } = signWorkerSpec();
const pool = createSignPool({ size: 2 });
const signed = await pool.sign(Buffer.from('From: a@${DOMAIN}\\r\\nSubject: compiled\\r\\n\\r\\nbody\\r\\n'), keys);
await pool.close();
process.stdout.write(JSON.stringify({ worker: String(filename), signed: signed.toString('base64') }));
`;

describe('sign pool compiled to dist/', () => {
  it('starts sign-worker.js under plain node and signs verifiable mail', async () => {
    const emitted = await readdir(join(dir, 'dist/mailauth'));
    expect(emitted).toEqual(expect.arrayContaining(['sign-pool.js', 'sign-worker.js', 'signer.js']));
    const [rsa, ed] = await Promise.all([generateDkimKey('rsa'), generateDkimKey('ed25519')]);
    const keys: SigningKey[] = [
      { domain: DOMAIN, selector: 'r1', privateKeyPem: rsa.privateKeyPem, algorithm: 'rsa' },
      { domain: DOMAIN, selector: 'e1', privateKeyPem: ed.privateKeyPem, algorithm: 'ed25519' },
    ];
    const records = [dkimRecord(DOMAIN, 'r1', rsa), dkimRecord(DOMAIN, 'e1', ed)];
    dns = await startDnsServer(Object.fromEntries(records.map((r) => [r.name, { TXT: [r.valueChunks] }])));

    // A file, not `-e`: workers inherit execArgv, and --input-type is refused in a worker.
    await writeFile(join(dir, 'child.mjs'), CHILD);
    const { stdout } = await run(process.execPath, [join(dir, 'child.mjs')], {
      cwd: dir,
      timeout: 30_000,
      env: { PATH: process.env.PATH ?? '', DKIM_KEYS: JSON.stringify(keys) },
    });
    const out = JSON.parse(stdout) as { worker: string; signed: string };
    expect(out.worker).toBe(`file://${join(dir, 'dist/mailauth/sign-worker.js')}`);
    const results = await verifyMessage(Buffer.from(out.signed, 'base64'), txtResolver(resolverFor(dns.address)));
    expect(results.map((r) => `${r.algo} ${r.status}`)).toEqual(['rsa-sha256 pass', 'ed25519-sha256 pass']);
  }, 60_000);
});
