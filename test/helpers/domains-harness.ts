/** Shared set-up of the domain tests: a real gateway whose DNS checks ask a local DNS server. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { dnsPlatform } from '../../src/admin/cli/dns-commands.js';
import { startGateway } from '../../src/gateway.js';
import { resolverFor } from '../../src/mailauth/dns-lookup.js';
import { txtResolver, verifyMessage, type VerifiedSignature } from '../../src/mailauth/verify.js';
import { openTenantStore } from '../../src/tenants/lmdb-tenant-store.js';
import { addTenant } from '../../src/tenants/tenant-service.js';
import type { DnsTestServer } from './dns-server.js';
import { testConfig, type TestGateway } from './gateway-harness.js';
import { ADMIN, PLATFORM } from './sender-harness.js';
import { storageAt } from './temp-storage.js';

const ENV = { POSTBODE_ADMIN_TOKEN: ADMIN, POSTBODE_SECRET_KEY: 'ab'.repeat(32) };

/**
 * Like startSenderGateway, with `dns.resolver` at `dns` and the platform key made first by
 * `postbode dns platform` (as an admin would), its records published in the test zone.
 */
export async function startDomainGateway(
  sinkPort: number,
  dns: DnsTestServer,
  recheckEveryMs: number,
): Promise<TestGateway> {
  const dataDir = await mkdtemp(join(tmpdir(), 'postbode-dom-'));
  const base = testConfig(dataDir, sinkPort, { platform: PLATFORM });
  const config = { ...base, dns: { ...base.dns, resolver: dns.address, recheckEveryMs, rotationGraceMs: 60_000 } };
  publishPlatform(dns, await dnsPlatform(config, ENV));
  const store = openTenantStore(storageAt(dataDir));
  const { tenant, password } = await addTenant(store, { name: 'Acme Facturatie BV' });
  await store.close();
  const gateway = await startGateway(config, pino({ level: 'silent' }), Date.now, ENV);
  return {
    gateway,
    dataDir,
    config,
    user: tenant.smtpUsername,
    pass: password,
    tenantId: tenant.id,
    async stop() {
      await gateway.stop(2000);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Publishes the DKIM record(s) that `postbode dns platform` printed. */
function publishPlatform(dns: DnsTestServer, printed: string): void {
  const lines = printed.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const name = /^DKIM\s+(\S+)\s+TXT$/.exec(lines[i] ?? '')?.[1];
    if (name === undefined) continue;
    const chunks = [...(lines[i + 1] ?? '').matchAll(/"([^"]*)"/g)].map((m) => m[1] ?? '');
    dns.set(name, { TXT: [chunks] });
  }
}

export interface PublishableRecord {
  readonly type: string;
  readonly name: string;
  readonly valueChunks: readonly string[];
  readonly action: string;
}

/** Publishes what the API told the tenant to publish (not the records to remove). */
export function publish(dns: DnsTestServer, records: readonly PublishableRecord[]): void {
  for (const r of records) {
    if (r.type === 'TXT' && r.action !== 'remove' && r.action !== 'keep') dns.set(r.name, { TXT: [r.valueChunks] });
  }
}

export function verifyAt(dns: DnsTestServer, raw: Buffer): Promise<VerifiedSignature[]> {
  return verifyMessage(raw, txtResolver(resolverFor(dns.address)));
}
