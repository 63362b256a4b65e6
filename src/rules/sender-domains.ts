/**
 * Which sending domains belong to whom. Own-address mode asks `isVerified`; the sender guard
 * (sender-guard.ts) asks `ownerOf` to refuse an address on a domain another tenant verified.
 */
export interface DomainDirectory {
  /** `tenantId`: the tenant asking (a domain verified by one tenant is not another's). */
  isVerified(domain: string, tenantId: string): boolean | Promise<boolean>;
  /**
   * Who owns `domain` (lower-case A-labels): the tenant id that has it active, PLATFORM_OWNER
   * (src/domains/domain-types.ts) for the platform's sending domain, else undefined.
   * A pending or failing claim owns nothing.
   */
  ownerOf(domain: string): string | undefined;
}

export const NO_VERIFIED_DOMAINS: DomainDirectory = Object.freeze({ isVerified: () => false, ownerOf: () => undefined });
