import type { DomainDirectory } from '../rules/sender-domains.js';
import type { DomainReader } from './domain-store.js';

/** Own-address mode may use a domain only while it is `active` for that very tenant. */
export function storeDomainDirectory(store: DomainReader): DomainDirectory {
  return {
    isVerified(domain, tenantId) {
      const record = store.get(domain.toLowerCase());
      return record !== undefined && record.tenantId === tenantId && record.status === 'active';
    },
  };
}
