import { join } from 'node:path';
import type { Zone } from './dns-server.js';

/**
 * The POSTBODE_* settings a gateway child process (gateway-process.ts) is started with, in the crash
 * tests and bench/soak-kill.ts.
 */

/**
 * A gateway on 127.0.0.1 with ephemeral ports, its certificate made in `dataDir`, relaying for any
 * sender, and quick retries (200 ms, no jitter) so that a restart's deliveries come soon.
 */
export function processEnv(dataDir: string, hostname: string): Record<string, string> {
  return {
    POSTBODE_DATA_DIR: dataDir,
    POSTBODE_HOSTNAME: hostname,
    POSTBODE_SMTP__HOST: '127.0.0.1',
    POSTBODE_SMTP__PORT: '0',
    POSTBODE_SMTP__REQUIRE_VERIFIED_SENDER: 'false', // a plain relay
    POSTBODE_SMTP__CERT_FILE: join(dataDir, 'server.crt'),
    POSTBODE_SMTP__KEY_FILE: join(dataDir, 'server.key'),
    POSTBODE_HTTP__HOST: '127.0.0.1',
    POSTBODE_HTTP__PORT: '0',
    POSTBODE_QUEUE__RETRY__INITIAL_DELAY_MS: '200',
    POSTBODE_QUEUE__RETRY__JITTER: '0',
  };
}

/** Direct MX delivery: MX records from the DNS server at `resolver`, every MX host a sink on 127.0.0.1:`sinkPort`. */
export function directDeliveryEnv(sinkPort: number, resolver: string): Record<string, string> {
  return {
    POSTBODE_DELIVERY__MODE: 'direct',
    POSTBODE_DELIVERY__DIRECT__PORT: String(sinkPort),
    POSTBODE_DELIVERY__DIRECT__RESOLVER: resolver,
    POSTBODE_DELIVERY__ALLOW_PRIVATE_TARGETS: '["127.0.0.1/32"]',
  };
}

/** Each domain's mail to `mx.<domain>`, which is 127.0.0.1 (for directDeliveryEnv's DNS server). */
export function loopbackMxZone(domains: readonly string[]): Zone {
  return Object.fromEntries(
    domains.flatMap((d) => [
      [d, { MX: [{ exchange: `mx.${d}`, priority: 10 }] }],
      [`mx.${d}`, { A: ['127.0.0.1'] }],
    ]),
  );
}
