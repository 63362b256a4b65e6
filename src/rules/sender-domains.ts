/**
 * Which tenant domains are verified for sending (own-address mode). The DKIM issue builds
 * "check and activate"; until then nothing is verified, so own-address tenants keep sending
 * from their forwarding address and the message log says why.
 */
export interface DomainDirectory {
  /** `tenantId`: the tenant asking (a domain verified by one tenant is not another's). */
  isVerified(domain: string, tenantId: string): boolean | Promise<boolean>;
}

export const NO_VERIFIED_DOMAINS: DomainDirectory = Object.freeze({ isVerified: () => false });
