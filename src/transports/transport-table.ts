import { readFileSync } from 'node:fs';
import type { Config } from '../config/schema.js';
import type { CaptureMailbox } from '../core/dev-mailbox.js';
import type { Logger } from '../core/logger.js';
import type { Route, Transport } from '../core/types.js';
import type { TransportTable } from '../core/transport-registry.js';
import { createCaptureTransport } from './capture/capture.js';
import { configuredTargetGuard } from './egress/target-guard.js';
import { createDirectMxTransport, systemResolver } from './smtp/direct-mx.js';
import { createSmarthostTransport } from './smtp/smarthost.js';
import { configuredTenantHops } from './smtp/tenant-hop.js';
import { createRelayTransport, type RelayTransportOptions } from './smtp/tenant-smtp.js';

/** The transport for a route, and every transport built (to close them at stop). */
export type { TransportTable };

export interface TransportTableParts {
  /** Given in capture mode: the dev mailbox the capture transport writes to. */
  readonly mailbox?: CaptureMailbox;
  /** Given when Gmail mode is available. */
  readonly gmail?: Transport;
  /** What a tenant's own server did, reported by its opaque owner (the relay transport knows no tenants). */
  readonly onHopFailure: RelayTransportOptions['onHopFailure'];
  readonly onHopOk: RelayTransportOptions['onHopOk'];
}

/** Builds the transports the config asks for; a route without one throws when it is asked for. */
export function buildTransports(config: Config, logger: Logger, parts: TransportTableParts): TransportTable {
  const d = config.delivery;
  const timeouts = { connectTimeoutMs: d.connectTimeoutMs, sendTimeoutMs: d.sendTimeoutMs };
  const capture = parts.mailbox ? createCaptureTransport(parts.mailbox) : undefined;
  const smarthost = d.smarthost
    ? createSmarthostTransport(d.smarthost, {
        logger,
        ...timeouts,
        name: 'smarthost',
        heloName: config.hostname,
        tlsCa: d.smarthost.caFile ? [readFileSync(d.smarthost.caFile)] : undefined,
      })
    : undefined;
  const guard = configuredTargetGuard(config);
  const direct =
    d.mode === 'direct'
      ? createDirectMxTransport({
          port: d.direct.port,
          resolver: systemResolver(d.direct.resolver),
          heloName: config.hostname,
          logger,
          ...timeouts,
          guard,
          maxConnectionsPerHost: d.concurrencyPerDestination,
        })
      : undefined;
  const relay = createRelayTransport({
    create: configuredTenantHops(config, logger, guard),
    logger,
    onHopFailure: parts.onHopFailure,
    onHopOk: parts.onHopOk,
  });
  const gmail = parts.gmail;
  const table = (route: Route): Transport => {
    if (route.kind === 'relay') return relay;
    if (route.kind === 'gmail' && gmail) return gmail;
    const t = route.kind === 'capture' ? capture : route.kind === 'smarthost' ? smarthost : direct;
    if (!t) throw new Error(`no transport configured for route ${route.kind}`);
    return t;
  };
  table.all = () => [capture, smarthost, direct, relay, gmail].filter((t): t is Transport => t !== undefined);
  return table;
}
