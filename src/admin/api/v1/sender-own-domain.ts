import { normaliseDomainInput } from '../../../tenants/domains/domain-service.js';
import type { SenderSettings } from '../../../tenants/sender-settings.js';
import type { ApiDeps } from './api-deps.js';
import { invalidRequest } from './api-errors.js';

/**
 * Own-address mode sends from a domain the tenant added (pending until verified: forwarding
 * meanwhile); one it never added would fall back to forwarding forever, so it is refused when
 * the mode or the address is saved. Another tenant's domain is not in this tenant's list.
 */
export function checkOwnDomain(
  domains: ApiDeps['domains'],
  tenantId: string,
  next: SenderSettings,
  body: { readonly mode?: unknown; readonly ownAddress?: unknown },
): void {
  if (!domains || next.mode !== 'own-address' || next.ownAddress === undefined) return;
  if (body.mode === undefined && body.ownAddress === undefined) return;
  const domain = domainOf(next.ownAddress);
  if (domain !== undefined && domains.list(tenantId).some((d) => d.domain === domain)) return;
  throw invalidRequest({
    'body.ownAddress': [
      "add this address's domain first (POST .../domains): own-address mode sends only from a domain in your " +
        'domain list',
    ],
  });
}

function domainOf(address: string): string | undefined {
  try {
    return normaliseDomainInput(address.slice(address.lastIndexOf('@') + 1));
  } catch {
    return undefined;
  }
}
