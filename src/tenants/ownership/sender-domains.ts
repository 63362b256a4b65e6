/**
 * Which sending domains belong to whom. Own-address mode asks `isVerified`; the sender guard
 * (sender-guard.ts) asks `ownerOf` to refuse an address on a domain another tenant verified.
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
  /**
   * The verified bounce host under the tenant's verified domain (`bounces.<domain>`, its CNAME to the platform
   * checked), or undefined: own-address mail uses it as the envelope sender's domain so SPF aligns.
   */
  bounceHost?(domain: string, tenantId: string): string | undefined;
  /** The tenant whose verified bounce host this is (the inbound MX accepts VERP bounces there), or undefined. */
  bounceHostOwner?(host: string): string | undefined;
}

export const NO_VERIFIED_DOMAINS: DomainDirectory = Object.freeze({
  isVerified: () => false,
  ownerOf: () => undefined,
});
