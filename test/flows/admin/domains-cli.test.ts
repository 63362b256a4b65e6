import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/admin/cli/program.js';
import { openDomainStore } from '../../../src/tenants/domains/domain-store.js';
import { storageAt } from '../../helpers/temp-storage.js';

let dir: string;

async function cli(args: readonly string[], config: string): Promise<{ code: number; out: string; err: string }> {
  const file = join(dir, `${args.length}-${config.length}.yaml`);
  await writeFile(file, config);
  let out = '';
  let err = '';
  const env = { POSTBODE_SECRET_KEY: 'cd'.repeat(32) };
  const code = await runCli([...args, '--config', file], {
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

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'postbode-dns-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('postbode dns platform', () => {
  const config =
    'dataDir: data\nplatform:\n  sendingDomain: send.example.test\ndns:\n  dmarcReportAddress: dmarc@example.test\n';

  it(
    'makes the platform key on first use and prints DKIM, ' + 'SPF and DMARC records; the same key the next time',
    async () => {
      const first = await cli(['dns', 'platform'], config);
      expect(first).toMatchObject({ code: 0, err: '' });
      expect(first.out).toMatch(/^DKIM\s+pb\d{6}\._domainkey\.send\.example\.test\s+TXT$/m);
      expect(first.out).toMatch(/"v=DKIM1; k=rsa; p=[A-Za-z0-9+/]+/);
      expect(first.out).toContain('"v=spf1 include:_spf.send.example.test ~all"');
      expect(first.out).toContain('_dmarc.send.example.test  TXT  "v=DMARC1; p=none; rua=mailto:dmarc@example.test"');
      expect(first.out).toMatch(/^MX\s+send\.example\.test\s+MX\s+10 \S+$/m);
      // With the inbound MX on, TLS reports go to the address that reads them, in one record only.
      expect(first.out).toContain(
        '_smtp._tls.send.example.test  TXT  "v=TLSRPTv1; rua=mailto:tls-reports@send.example.test"',
      );
      expect(first.out.match(/_smtp\._tls\./g)).toHaveLength(1);
      expect(first.out).not.toMatch(/PRIVATE/);
      const again = await cli(['dns', 'platform'], config);
      expect(again.out).toBe(first.out);
      const store = openDomainStore(storageAt(join(dir, 'data')));
      try {
        expect(store.get('send.example.test')?.tenantId).toBe('_platform');
      } finally {
        await store.close();
      }
    },
  );

  it('without platform.sendingDomain: exit 1 and says why', async () => {
    const run = await cli(['dns', 'platform'], 'dataDir: data2\n');
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/platform\.sendingDomain is not set/);
  });
});
