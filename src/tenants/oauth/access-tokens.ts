import type { AccessTokenAnswer, AccessTokenSource, OAuthProviderName } from '../../core/access-token.js';
import type { Clock } from '../../core/clock.js';

/** Why a provider has no token for a tenant (the answer the seam passes on). */
export type TokenFailure = Extract<AccessTokenAnswer, { ok: false }>;

/**
 * One provider of linked mailboxes (Google through the Gmail link; Microsoft through its own link).
 * `link` is read per send and must be cheap; `refresh` asks the provider for a new access token
 * with the stored refresh token, and flags the link broken itself when the provider refuses it.
 */
export interface OAuthProvider {
  /** The tenant's link as it is now: a key that a relink changes, or why there is none. */
  link(tenantId: string): { readonly ok: true; readonly key: string } | TokenFailure;
  refresh(
    tenantId: string,
  ): Promise<{ readonly ok: true; readonly token: string; readonly expiresAt: number } | TokenFailure>;
}

export interface AccessTokens {
  /** The AccessTokenSource the relay transport and the test-send take. */
  readonly get: AccessTokenSource;
  /** Fills a provider's slot (called once by the part that owns the link). */
  register(name: OAuthProviderName, provider: OAuthProvider): void;
}

/** Renewed this long before it expires, so a token never runs out during one SMTP session. */
export const EXPIRY_MARGIN_MS = 5 * 60_000;

const PROVIDER_WORDS: Record<OAuthProviderName, string> = { google: 'Google', microsoft: 'Microsoft 365' };

/** An unregistered provider: the server offers no link with it, in words the settings page can show. */
export function notOffered(name: OAuthProviderName): TokenFailure {
  return {
    ok: false,
    problem: 'not-linked',
    reason:
      `${PROVIDER_WORDS[name]} accounts cannot be linked on this server: ` +
      'choose password login or another provider',
  };
}

interface Cached {
  readonly token: string;
  readonly expiresAt: number;
}

/**
 * The provider-neutral access-token seam: a fresh token per tenant and provider, cached (in
 * memory only) until shortly before it expires, keyed by the link so a relink never reuses the
 * old account's token; one refresh at a time per link. Another tenant's link is never asked: the
 * owner is the tenant whose mail or test-send needs the token.
 */
export function createAccessTokens(clock: Clock): AccessTokens {
  const providers = new Map<OAuthProviderName, OAuthProvider>();
  const cache = new Map<string, Cached>();
  const inFlight = new Map<string, Promise<AccessTokenAnswer>>();

  async function renew(provider: OAuthProvider, tenantId: string, key: string): Promise<AccessTokenAnswer> {
    const answer = await provider.refresh(tenantId);
    if (!answer.ok) {
      cache.delete(key);
      return answer;
    }
    cache.set(key, { token: answer.token, expiresAt: answer.expiresAt });
    return { ok: true, token: answer.token };
  }

  const get: AccessTokenSource = async (tenantId, name, refused) => {
    const provider = providers.get(name);
    if (!provider) return notOffered(name);
    const link = provider.link(tenantId);
    if (!link.ok) return link;
    const key = `${name}:${link.key}`;
    const cached = cache.get(key);
    if (cached && cached.token !== refused && cached.expiresAt - EXPIRY_MARGIN_MS > clock()) {
      return { ok: true, token: cached.token };
    }
    const running = inFlight.get(key);
    if (running) return running;
    const started = renew(provider, tenantId, key).finally(() => inFlight.delete(key));
    inFlight.set(key, started);
    return started;
  };

  return {
    get,
    register(name, provider) {
      providers.set(name, provider);
    },
  };
}
