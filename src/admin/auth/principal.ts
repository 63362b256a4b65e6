/**
 * Who is calling the Config API, as the auth middleware puts it in `res.locals.principal`.
 * An admin manages everything; a tenant token sees and changes only its own tenant.
 */
export type Principal =
  | { readonly kind: 'admin' }
  | { readonly kind: 'tenant'; readonly tenantId: string; readonly tokenId: string };

/** The actor recorded in the audit log: the token id, or 'admin' for every admin token. */
export function actorOf(principal: Principal): string {
  return principal.kind === 'admin' ? 'admin' : principal.tokenId;
}
