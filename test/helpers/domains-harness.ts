/** Shared set-up of the domain tests: a real gateway whose DNS checks ask a local DNS server. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dnsPlatform } from '../../src/admin/cli/dns-commands.js';
import { resolverFor } from '../../src/mailauth/dns-lookup.js';
import { txtResolver, verifyMessage, type VerifiedSignature } from '../../src/mailauth/verify.js';
import type { DnsTestServer } from './dns-server.js';
import { startConfiguredGateway, testConfig, type TestGateway } from './gateway-harness.js';
import { ADMIN, PLATFORM } from './sender-harness.js';

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
  return startConfiguredGateway(config, { env: ENV });
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
