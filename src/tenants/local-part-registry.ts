import { randomBytes } from 'node:crypto';
import type { Database } from 'lmdb';
import { GatewayError } from '../core/gateway-error.js';
import type { SenderSettings } from './sender-settings.js';

/**
 * Who owns which forwarding local part: an index `localPart → tenantId` next to the sender
 * settings, in the same LMDB environment, so a claim and the settings that use it are written
 * in one transaction (claim-or-fail; LMDB's write lock spans processes). A tenant's local part
 * is always stored in its settings once claimed, so its address never changes behind its back
 * (not when its SMTP user name changes either). An index entry counts only while the owner's
 * settings still name it: a stale entry (crash, hand edit) is free again.
 */
export interface LocalPartIndex {
  /** The tenant whose forwarding address has this (normalised) local part. */
  localPartOwner(localPart: string): string | undefined;
}

/** What choosing a free local part reads: any engine's settings and index (a cache, a transaction's view). */
export interface LocalPartReader {
  readonly settings: { get(tenantId: string): SenderSettings | undefined };
  readonly index: { get(localPart: string): string | undefined };
  readonly reserved: (localPart: string) => boolean;
}

export interface LocalPartDbs extends LocalPartReader {
  readonly settings: Database<SenderSettings, string>;
  readonly index: Database<string, string>;
}

/** Said for "taken" and "reserved" alike: whoever holds an address is nobody else's business. */
export const LOCAL_PART_NOT_AVAILABLE = 'this address is not available';
const LOCAL_PART_MAX = 64;
/** Variants tried before a random suffix: `acme`, `acme-2` … `acme-20`. */
const NUMBERED_VARIANTS = 20;

export function localPartOwner(dbs: LocalPartReader, localPart: string): string | undefined {
  const owner = dbs.index.get(localPart);
  if (owner === undefined) return undefined;
  return dbs.settings.get(owner)?.localPart === localPart ? owner : undefined;
}

function availableTo(dbs: LocalPartReader, localPart: string, tenantId: string): boolean {
  return !dbs.reserved(localPart) && (localPartOwner(dbs, localPart) ?? tenantId) === tenantId;
}

/**
 * Moves the tenant's claim from `from` to `to` (either may be undefined). Call inside the
 * write transaction that stores the settings naming `to`. Throws E_NOT_AVAILABLE when another
 * tenant holds `to` or it is reserved.
 */
export function moveClaim(dbs: LocalPartDbs, tenantId: string, from: string | undefined, to: string | undefined): void {
  if (from === to) return;
  if (to !== undefined) {
    if (!availableTo(dbs, to, tenantId)) throw new GatewayError('E_NOT_AVAILABLE', LOCAL_PART_NOT_AVAILABLE);
    dbs.index.putSync(to, tenantId);
  }
  if (from !== undefined && dbs.index.get(from) === tenantId) dbs.index.removeSync(from);
}

/** `base` when this tenant may have it, else the first free `base-2`, `base-3` …, else `base-<random>`. */
export function freeLocalPart(dbs: LocalPartReader, base: string, tenantId: string): string {
  const stem = base.slice(0, LOCAL_PART_MAX - 8).replace(/[._-]+$/, '') || 'mail';
  for (let n = 1; n <= NUMBERED_VARIANTS; n++) {
    const candidate = n === 1 ? base : `${stem}-${n}`;
    if (availableTo(dbs, candidate, tenantId)) return candidate;
  }
  for (let n = 0; n < NUMBERED_VARIANTS; n++) {
    const candidate = `${stem}-${randomBytes(4).toString('hex')}`;
    if (availableTo(dbs, candidate, tenantId)) return candidate;
  }
  throw new GatewayError('E_NOT_AVAILABLE', LOCAL_PART_NOT_AVAILABLE);
}

/** The tenant's settings with a local part it may hold: its own when free, else a free variant of it (or of `base`). */
export function withClaimedLocalPart(
  dbs: LocalPartReader,
  tenantId: string,
  current: SenderSettings,
  base: string,
): SenderSettings {
  const own = current.localPart;
  if (own !== undefined && dbs.index.get(own) === tenantId) return current;
  const localPart = freeLocalPart(dbs, own ?? base, tenantId);
  return { ...current, localPart };
}
