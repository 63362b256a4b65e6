/** A tenant's sending domain as stored (src/tenants/domains/domain-store.ts). JSON-serialisable. */
import type { DomainCheck } from '../../mailauth/check-types.js';
import type { DkimAlgorithm } from '../../mailauth/keys.js';
import type { TxtProposal } from '../../mailauth/records.js';

/** `pending`: published? not yet verified. `active`: signs. `retiring`: replaced, listed for removal. */
export type SelectorState = 'pending' | 'active' | 'retiring';

export interface StoredSelector {
  readonly selector: string;
  readonly algorithm: DkimAlgorithm;
  readonly publicKeyDnsValue: string;
  /**
   * SecretBox-sealed PKCS#8 PEM, context `domainKeyContext(...)`. Never leaves the service.
   * Absent once `retiring`: a replaced key never signs again, so its private half is deleted
   * when it retires (its public record stays listed until `retireAfter`).
   */
  readonly privateKeySealed?: string;
  readonly createdAt: number;
  readonly state: SelectorState;
  /** For `retiring`: the public record can be removed after this time. */
  readonly retireAfter?: number;
}

export type DomainStatus = 'pending' | 'active' | 'failing';

/** `'rsa'`: one RSA key. `'rsa+ed25519'`: both published, both sign (two signatures). */
export type KeySet = 'rsa' | 'rsa+ed25519';

export interface StoredCheck extends DomainCheck {
  readonly at: number;
}

export interface DomainRecord {
  readonly domain: string;
  readonly tenantId: string;
  readonly keySet: KeySet;
  readonly selectors: readonly StoredSelector[];
  readonly status: DomainStatus;
  readonly createdAt: number;
  readonly activatedAt?: number;
  readonly lastCheck?: StoredCheck;
  /** Why the domain is failing, in words (from the last check). */
  readonly failingReason?: string;
  /** SPF and DMARC proposals, merged with what DNS held at the last add/check. */
  readonly spf?: TxtProposal;
  readonly dmarc?: TxtProposal;
  /**
   * The bounce host offered under the domain (`bounces.<domain>` CNAME `target`); `verified` once its CNAME checked
   * ok. Absent without a platform bounce host to point at, or for domains not checked since it was offered.
   */
  readonly bounceHost?: BounceHost;
}

export interface BounceHost {
  readonly name: string;
  readonly target: string;
  readonly verified: boolean;
}

/** Owner of the platform's own key (forwarding mode); never a tenant id (ids are generated, no `_`). */
export const PLATFORM_OWNER = '_platform';

export function domainKeyContext(tenantId: string, domain: string, selector: string): string {
  return `domain:${tenantId}:${domain}:${selector}`;
}

export function algorithmsOf(keySet: KeySet): DkimAlgorithm[] {
  return keySet === 'rsa' ? ['rsa'] : ['rsa', 'ed25519'];
}
