import type { Tenant } from '../core/types.js';
import { newQueueId } from '../core/ids.js';
import { inRange, parseIp, parseIpRange } from '../core/ip-match.js';

/** A tenant record's rules, the same for every engine's TenantStore. */

/** What a caller provides to create a tenant: already validated (tenant-service.ts does that). */
export interface NewTenant {
  readonly name: string;
  readonly smtpUsername: string;
  readonly smtpPasswordHash: string;
  readonly allowedIps: readonly string[];
  readonly allowPlaintextAuth: boolean;
  /** Refuse mail from this tenant over sessions without TLS. */
  readonly requireTls?: boolean;
}

export type TenantPatch = Partial<NewTenant>;

/** One allowed IP or range of a tenant, as the stores index it. */
export interface IpIndexEntry {
  readonly id: string;
  readonly entry: string;
}

/** The tenant whose narrowest range holds the address (an exact IP beats a /24). */
export function mostSpecificMatch(address: string, entries: Iterable<IpIndexEntry>): string | undefined {
  const ip = parseIp(address);
  if (!ip) return undefined;
  let best: { id: string; prefix: number } | undefined;
  for (const value of entries) {
    const range = parseIpRange(value.entry);
    if (range && inRange(ip, range) && (!best || range.prefix > best.prefix))
      best = { id: value.id, prefix: range.prefix };
  }
  return best?.id;
}

export function copyInput(input: NewTenant): NewTenant {
  return {
    name: input.name,
    smtpUsername: input.smtpUsername,
    smtpPasswordHash: input.smtpPasswordHash,
    allowedIps: [...input.allowedIps],
    allowPlaintextAuth: input.allowPlaintextAuth,
    ...(input.requireTls !== undefined ? { requireTls: input.requireTls } : {}),
  };
}

/** A new tenant's record: its id sorts by creation time; credentials start at version 1. */
export function newTenant(input: NewTenant, now: number): Tenant {
  return { ...copyInput(input), id: newQueueId(now), credentialsVersion: 1, createdAt: now, updatedAt: now };
}

export function applyPatch(old: Tenant, patch: TenantPatch, now: number): Tenant {
  const merged = copyInput({ ...old, ...definedOnly(patch) });
  const credentialsChanged =
    merged.smtpUsername !== old.smtpUsername || merged.smtpPasswordHash !== old.smtpPasswordHash;
  return {
    ...merged,
    id: old.id,
    createdAt: old.createdAt,
    updatedAt: now,
    credentialsVersion: old.credentialsVersion + (credentialsChanged ? 1 : 0),
  };
}

function definedOnly(patch: TenantPatch): TenantPatch {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as TenantPatch;
}

/**
 * An address or allow-list entry as PostgreSQL's inet, the way parseIp/parseIpRange read it (an
 * IPv4-mapped address as the IPv4 address it carries): `10.0.0.0/8`, `2001:db8:0:0:0:0:0:0/32`.
 * Undefined for what they do not parse. The database's containment test on these is the same
 * as `inRange`, so it can pick the candidates that `mostSpecificMatch` then decides between.
 */
export function asInet(entry: string, single = false): string | undefined {
  const range = single ? ipAsRange(entry) : parseIpRange(entry);
  if (!range) return undefined;
  const { bytes, prefix } = range;
  const text =
    bytes.length === 4
      ? bytes.join('.')
      : Array.from({ length: 8 }, (_, i) => (((bytes[i * 2] ?? 0) << 8) | (bytes[i * 2 + 1] ?? 0)).toString(16)).join(
          ':',
        );
  return `${text}/${prefix}`;
}

function ipAsRange(address: string): { bytes: Uint8Array; prefix: number } | undefined {
  const bytes = parseIp(address);
  return bytes ? { bytes, prefix: bytes.length * 8 } : undefined;
}
