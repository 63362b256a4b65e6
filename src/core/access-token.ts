/**
 * An OAuth 2.0 access token for a linked mailbox, as the SMTP client's XOAUTH2 login takes it.
 * Filled by tenants/oauth/ (which knows tenants and their links), read by the relay transport and
 * the test-send (which know only an opaque owner and a provider name). A token is never logged,
 * stored in the queue or returned by the API.
 */
export const OAUTH_PROVIDERS = ['google', 'microsoft'] as const;
export type OAuthProviderName = (typeof OAUTH_PROVIDERS)[number];

/**
 * Why there is no token: `not-linked` (no link, or one without the mail scope, or a provider this
 * server does not offer), `link-broken` (the provider refused the stored refresh token: the tenant
 * must link again), `unavailable` (the provider could not be asked now: try later).
 */
export type AccessTokenProblem = 'not-linked' | 'link-broken' | 'unavailable';

export type AccessTokenAnswer =
  | { readonly ok: true; readonly token: string }
  | { readonly ok: false; readonly problem: AccessTokenProblem; readonly reason: string };

/**
 * A fresh token for `owner`'s link at `provider`. `refused`: the token a server just refused; a
 * cached token other than that one is answered as it is (another send renewed it meanwhile).
 */
export type AccessTokenSource = (
  owner: string,
  provider: OAuthProviderName,
  refused?: string,
) => Promise<AccessTokenAnswer>;
