/**
 * Which tenant domains are verified for sending (own-address mode). The DKIM issue builds
 * "check and activate"; until then nothing is verified, so own-address tenants keep sending
 * from their forwarding address and the message log says why.
 */
export interface DomainDirectory {
  /** `tenantId`: the tenant asking (a domain verified by one tenant is not another's). */
  isVerified(domain: string, tenantId: string): boolean | Promise<boolean>;
  /**
   * Who owns the domain: the tenant that proved it (while its domain is active, or failing
   * until it removes it), PLATFORM_OWNER for the platform's sending and bounce domains, else
   * undefined (nobody proved it; pending claims own nothing).
   */
  ownerOf(domain: string): string | undefined;
}

export const NO_VERIFIED_DOMAINS: DomainDirectory = Object.freeze({ isVerified: () => false, ownerOf: () => undefined });
