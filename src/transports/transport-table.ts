import { readFileSync } from 'node:fs';
import type { Config } from '../config/schema.js';
import type { CaptureMailbox } from '../core/dev-mailbox.js';
import type { Logger } from '../core/logger.js';
import type { Transport } from '../core/types.js';
import type { RouteKind } from '../core/transport-registry.js';
import { createCaptureTransport } from './capture/capture.js';
import { configuredTargetGuard } from './egress/target-guard.js';
import { configuredDirectMx } from './smtp/direct-mx-setup.js';
import { createSmarthostTransport } from './smtp/smarthost.js';
import { configuredTenantHops } from './smtp/tenant-hop.js';
import { createRelayTransport, type RelayTransportOptions } from './smtp/tenant-smtp.js';

/** The transports built, by the route kind each one sends (the composition root registers each). */
export type TransportsByKind = ReadonlyMap<RouteKind, Transport>;

export interface TransportTableParts {
  /** Given in capture mode: the dev mailbox the capture transport writes to. */
  readonly mailbox?: CaptureMailbox;
  /** Given when Gmail mode is available. */
  readonly gmail?: Transport;
  /** Given when Microsoft 365 mode is available. */
  readonly microsoft365?: Transport;
  /** What a tenant's own server did, reported by its opaque owner (the relay transport knows no tenants). */
  readonly onHopFailure: RelayTransportOptions['onHopFailure'];
  readonly onHopOk: RelayTransportOptions['onHopOk'];
  /** XOAUTH2 tokens for tenant servers that log in with a linked account. */
  readonly accessTokens?: RelayTransportOptions['accessTokens'];
  /** Signs a report the platform sends itself (TLS-RPT) with the platform's DKIM key; unsigned when unset. */
  readonly signPlatformMail?: (raw: Buffer) => Promise<Buffer>;
}

/** Builds the transports the config asks for, only those: a route kind left out has no transport. */
export function buildTransports(config: Config, logger: Logger, parts: TransportTableParts): TransportsByKind {
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
      ? configuredDirectMx(
          config,
          logger,
          guard,
          { ...timeouts, maxConnectionsPerHost: d.concurrencyPerDestination },
          parts.signPlatformMail,
        )
      : undefined;
  const relay = createRelayTransport({
    create: configuredTenantHops(config, logger, guard),
    logger,
    onHopFailure: parts.onHopFailure,
    onHopOk: parts.onHopOk,
    ...(parts.accessTokens ? { accessTokens: parts.accessTokens } : {}),
  });
  const built: Array<[RouteKind, Transport | undefined]> = [
    ['capture', capture],
    ['smarthost', smarthost],
    ['direct', direct],
    ['relay', relay],
    ['gmail', parts.gmail],
    ['microsoft365', parts.microsoft365],
  ];
  return new Map(built.filter((entry): entry is [RouteKind, Transport] => entry[1] !== undefined));
}
