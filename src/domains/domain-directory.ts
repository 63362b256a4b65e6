import type { DomainDirectory } from '../rules/sender-domains.js';
import type { DomainReader } from './domain-store.js';
import { PLATFORM_OWNER } from './domain-types.js';

/** Own-address mode may use a domain only while it is `active` for that very tenant. */
export function storeDomainDirectory(store: DomainReader): DomainDirectory {
  return {
    isVerified(domain, tenantId) {
      const record = store.get(domain.toLowerCase());
      return record !== undefined && record.tenantId === tenantId && record.status === 'active';
    },
    // The platform's record is made active at start; a tenant's only once its DNS checks passed.
    ownerOf(domain) {
      const record = store.get(domain.toLowerCase());
      if (record === undefined) return undefined;
      if (record.tenantId === PLATFORM_OWNER) return PLATFORM_OWNER;
      return record.status === 'active' ? record.tenantId : undefined;
    },
  };
}
