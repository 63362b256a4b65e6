import type { Config } from '../../config/schema.js';
import type { Logger } from '../../core/logger.js';
import type { Transport } from '../../core/types.js';
import type { TargetGuard } from '../egress/target-guard.js';
import { cachedTlsa } from './dane/tlsa-cache.js';
import { lookupTlsa } from './dane/tlsa-lookup.js';
import { createDirectMxTransport, type DirectMxOptions } from './direct-mx.js';
import { systemResolver } from './mx-resolver.js';
import { createMtaSts } from './mta-sts/mta-sts.js';
import { createTlsOutcomes } from './tls-report/tls-outcomes.js';
import { createTlsReporter } from './tls-report/tls-reporter.js';

const DAY_MS = 24 * 3600_000;
const TLSA_TIMEOUT_MS = 5_000;

/**
 * Direct delivery as `delivery.direct` configures it: HELO and source per address family,
 * MTA-STS, DANE through the operator's trusted validating resolver, and the daily TLS-RPT
 * reports, whose timer stops when the transport closes.
 */
export function configuredDirectMx(
  config: Config,
  logger: Logger,
  guard: TargetGuard,
  base: Pick<DirectMxOptions, 'connectTimeoutMs' | 'sendTimeoutMs' | 'maxConnectionsPerHost'>,
  sign?: (raw: Buffer) => Promise<Buffer>,
): Transport {
  const direct = config.delivery.direct;
  const resolver = systemResolver(direct.resolver);
  const resolveTxt = (name: string): Promise<string[][]> => resolver.resolveTxt!(name);
  const outcomes = direct.tlsReports.enabled ? createTlsOutcomes() : undefined;
  const dnssec = direct.dnssecResolver;
  const transport = createDirectMxTransport({
    ...base,
    port: direct.port,
    resolver,
    heloName: config.hostname,
    sources: { ipv4: direct.ipv4, ipv6: direct.ipv6 },
    logger,
    guard,
    ...(direct.mtaSts
      ? {
          mtaSts: createMtaSts({ resolveTxt, resolveHost: guard.resolve, timeoutMs: direct.mtaStsTimeoutMs, logger }),
        }
      : {}),
    ...(dnssec
      ? { tlsa: cachedTlsa((mx: string) => lookupTlsa(mx, { server: dnssec, timeoutMs: TLSA_TIMEOUT_MS })) }
      : {}),
    ...(outcomes ? { tlsOutcomes: outcomes } : {}),
  });
  if (outcomes === undefined) return transport;
  const reporter = createTlsReporter({
    outcomes,
    resolveTxt,
    send: (envelope, raw, route) => transport.send(envelope, raw, route),
    // on the platform's sending domain when there is one, so that its DKIM signature aligns with From
    from: direct.tlsReports.from ?? `tlsrpt-noreply@${config.platform.sendingDomain ?? config.hostname}`,
    organization: direct.tlsReports.organization ?? config.hostname,
    hostname: config.hostname,
    logger,
    ...(sign ? { prepare: sign } : {}),
  });
  reporter.start(DAY_MS);
  return {
    name: transport.name,
    send: transport.send,
    close: async () => {
      await reporter.stop();
      await transport.close();
    },
  };
}
