import type { DomainDirectory } from '../ownership/sender-domains.js';
import type { DomainReader } from './domain-store.js';
import { PLATFORM_OWNER, type DomainRecord } from './domain-types.js';

/** The verified bounce host of an active domain its tenant owns. */
function verifiedBounceHost(store: DomainReader, record: DomainRecord | undefined): string | undefined {
  if (record === undefined || record.status !== 'active' || store.ownerOf(record.domain) !== record.tenantId)
    return undefined;
  return record.bounceHost?.verified === true ? record.bounceHost.name : undefined;
}

/**
 * Own-address mode may use a domain only while it is `active` for that very tenant, and that
 * tenant is its owner (the first to prove it). `platformDomains`: the platform's own
 * (sending, bounce), which belong to PLATFORM_OWNER whether or not a key record exists.
 */
export function storeDomainDirectory(store: DomainReader, platformDomains: readonly string[] = []): DomainDirectory {
  const platform = new Set(platformDomains.map((d) => d.toLowerCase()));
  return {
    isVerified(domain, tenantId) {
      const name = domain.toLowerCase();
      return store.get(name, tenantId)?.status === 'active' && store.ownerOf(name) === tenantId;
    },
    ownerOf(domain) {
      const name = domain.toLowerCase();
      return platform.has(name) ? PLATFORM_OWNER : store.ownerOf(name);
    },
    bounceHost(domain, tenantId) {
      return verifiedBounceHost(store, store.get(domain.toLowerCase(), tenantId));
    },
    bounceHostOwner(host) {
      const name = host.toLowerCase();
      const domain = name.slice(name.indexOf('.') + 1);
      const owner = store.ownerOf(domain);
      const record = owner === undefined ? undefined : store.get(domain, owner);
      return verifiedBounceHost(store, record) === name ? owner : undefined;
    },
  };
}
