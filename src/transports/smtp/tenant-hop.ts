import type { Config, SmarthostConfig } from '../../config/schema.js';
import type { Logger } from '../../core/logger.js';
import type { Transport } from '../../core/types.js';
import { createSmarthostTransport } from './smarthost.js';
import type { TargetGuard } from '../egress/target-guard.js';

/**
 * A tenant's own server as the SMTP client needs it: the smarthost settings plus the tenant's consent to plain-text
 * AUTH.
 */
export interface TenantHopConfig extends SmarthostConfig {
  readonly allowPlaintextAuth?: boolean;
  /** Log in as `user` by AUTH XOAUTH2 with this token instead of a password. */
  readonly accessToken?: string;
}

export interface TenantHopOptions {
  readonly logger: Logger;
  readonly connectTimeoutMs: number;
  readonly sendTimeoutMs: number;
  readonly heloName: string;
  readonly guard: TargetGuard;
}

/**
 * Transports to tenants' own servers: the smarthost's SMTP client, named by host only (never
 * the user), with what sets a tenant's server apart from the operator's smarthost: every new
 * connection goes to an address the guard checked, and the password only over TLS.
 */
export function tenantHopFactory(opts: TenantHopOptions): (hop: TenantHopConfig) => Transport {
  return (hop) =>
    createSmarthostTransport(hop, {
      logger: opts.logger,
      connectTimeoutMs: opts.connectTimeoutMs,
      sendTimeoutMs: opts.sendTimeoutMs,
      name: `tenant-smtp:${hop.host}:${hop.port}`,
      heloName: opts.heloName,
      resolveTarget: (host) => opts.guard.resolve(host),
      authNeedsTls: hop.allowPlaintextAuth !== true,
      ...(hop.accessToken !== undefined ? { accessToken: hop.accessToken } : {}),
    });
}

/** The factory with the operator's delivery timeouts and HELO name. */
export function configuredTenantHops(
  config: Config,
  logger: Logger,
  guard: TargetGuard,
): (hop: TenantHopConfig) => Transport {
  const d = config.delivery;
  return tenantHopFactory({
    logger,
    connectTimeoutMs: d.connectTimeoutMs,
    sendTimeoutMs: d.sendTimeoutMs,
    heloName: config.hostname,
    guard,
  });
}
