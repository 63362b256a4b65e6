import { isIP } from 'node:net';
import { GatewayError, type GatewayErrorCode, isGatewayError } from '../../core/gateway-error.js';
import { parseIpRange, inRange, type IpRange } from '../../core/ip-match.js';
import { embeddedV4, nonPublicReason, parseIp } from './address-ranges.js';
import type { Config } from '../../config/schema.js';
import { hostResolver, type MxResolver } from '../smtp/mx-resolver.js';

/**
 * The one check before a connection made on a tenant's behalf (its own SMTP server, a
 * recipient's MX): resolve the host once, refuse addresses inside the network unless the
 * operator listed their range, and hand back the addresses that passed, so that the caller
 * connects to exactly those (a second lookup could answer differently: DNS rebinding).
 * The operator's smarthost is configuration, not tenant input, and is never checked.
 */
export interface TargetGuard {
  /** Why `address` (an IP) may not be connected to; undefined when it may. */
  refusal(address: string): string | undefined;
  /** The addresses of `host` that may be connected to (a literal is its own); rejects with a TargetError when none. */
  resolve(host: string): Promise<string[]>;
}

export type TargetErrorCode = Extract<GatewayErrorCode, 'ETARGET' | 'ENOTFOUND' | 'EDNS'>;

/** A GatewayError like the SMTP client's, so classify/describe read it the same way. */
export type TargetError = GatewayError & {
  readonly code: TargetErrorCode;
  /** For the operator's log only ("loopback", "private"): the message, which tenants see, does not say. */
  readonly reason?: string;
};

export function targetError(code: TargetErrorCode, message: string, reason?: string): TargetError {
  const err = new GatewayError(code, message);
  return (reason === undefined ? err : Object.assign(err, { reason })) as TargetError;
}

export function isTargetError(err: unknown): err is TargetError {
  return isGatewayError(err, 'ETARGET') || isGatewayError(err, 'ENOTFOUND') || isGatewayError(err, 'EDNS');
}

/** `127.0.0.1`, `[127.0.0.1]`, `[IPv6:::1]`, `::1` → the IP; undefined for a name. */
export function literalAddress(host: string): string | undefined {
  const inner = /^\[(?:ipv6:)?([^\]]+)\]$/i.exec(host)?.[1] ?? host;
  return isIP(inner) ? inner : undefined;
}

export interface TargetGuardOptions {
  /** Operator's CIDRs that may be reached although inside (`delivery.allowPrivateTargets`). */
  readonly allow: readonly string[];
  readonly resolver: Pick<MxResolver, 'resolve4' | 'resolve6'>;
}

export function createTargetGuard(opts: TargetGuardOptions): TargetGuard {
  const allowed: IpRange[] = opts.allow.map((cidr) => {
    const range = parseIpRange(cidr);
    if (!range) throw new Error(`not an IP range: ${cidr}`);
    return range;
  });
  const isAllowed = (ip: Uint8Array): boolean => allowed.some((range) => inRange(ip, range));

  function refusal(address: string): string | undefined {
    const ip = parseIp(address);
    if (!ip) return 'not an IP address';
    if (isAllowed(ip)) return undefined;
    const inner = embeddedV4(ip);
    if (inner && isAllowed(inner)) return undefined;
    return nonPublicReason(ip);
  }

  async function lookup(host: string): Promise<string[]> {
    const [v4, v6] = await Promise.allSettled([opts.resolver.resolve4(host), opts.resolver.resolve6(host)]);
    const found = [v4, v6].flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
    if (found.length > 0) return found;
    const definite = [v4, v6].every((r) => r.status === 'rejected' && isDefinite(r.reason));
    if (definite) throw targetError('ENOTFOUND', `host ${host} not found (ENOTFOUND)`);
    throw targetError('EDNS', `address lookup for ${host} failed (EAI_AGAIN)`);
  }

  async function resolve(host: string): Promise<string[]> {
    const literal = literalAddress(host);
    const addresses = literal !== undefined ? [literal] : await lookup(host);
    const ok = addresses.filter((a) => refusal(a) === undefined);
    if (ok.length > 0) return ok;
    // which range, and so what kind of host an inside name is, stays out of what the tenant sees
    throw targetError(
      'ETARGET',
      `address not allowed: ${host} resolves inside the network (delivery.allowPrivateTargets)`,
      refusal(addresses[0]!),
    );
  }

  return { refusal, resolve };
}

/** "Name does not exist" and "no record of that type" are answers; anything else may pass. */
function isDefinite(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ENOTFOUND' || code === 'ENODATA';
}

/** What tenant-chosen targets (own servers, recipients' MX hosts) may resolve to, as the operator configured it. */
export function configuredTargetGuard(config: Config): TargetGuard {
  const d = config.delivery;
  return createTargetGuard({ allow: d.allowPrivateTargets, resolver: hostResolver(d.direct.resolver) });
}
