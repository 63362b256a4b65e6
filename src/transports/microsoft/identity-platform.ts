import { microsoftCall } from './microsoft-http.js';

/**
 * The Microsoft identity platform's OAuth 2.0 authorization-code flow with PKCE (RFC 7636), for a
 * multi-tenant Entra app (authority `…/common` or `…/organizations`): the consent URL, the code
 * exchange and refreshing an access token for a scope set. Confidential client: the secret goes
 * with every token request. No library: two endpoints, form-encoded, JSON back.
 */
export interface IdentityEndpoints {
  readonly clientId: string;
  readonly clientSecret: string;
  /** The OAuth callback registered with the app (Web platform). */
  readonly redirectUrl: string;
  /** e.g. https://login.microsoftonline.com/common: `/oauth2/v2.0/authorize` and `/token` below it. */
  readonly authorityUrl: string;
  readonly timeoutMs: number;
}

/** Mail.Send to send; User.Read to read the mailbox and its aliases (/me); offline_access for a refresh token. */
export const GRAPH_SCOPES = ['https://graph.microsoft.com/Mail.Send', 'https://graph.microsoft.com/User.Read'];
export const LINK_SCOPES = ['openid', 'profile', 'email', 'offline_access', ...GRAPH_SCOPES];
/** The own-SMTP mode's XOAUTH2 login (Exchange Online's SMTP AUTH): another resource, so a token of its own. */
export const SMTP_SCOPE = 'https://outlook.office.com/SMTP.Send';
/**
 * What the tenant consents to once: Graph's scopes and SMTP.Send. Consent may span resources; a token
 * request may not (AADSTS28000), so the code is redeemed for LINK_SCOPES and SMTP tokens come by refresh.
 */
export const CONSENT_SCOPES = [...LINK_SCOPES, SMTP_SCOPE];

export interface TokenSet {
  readonly accessToken: string;
  /** ms since epoch. */
  readonly expiresAt: number;
  /** Microsoft rotates refresh tokens: a new one may come with every answer. */
  readonly refreshToken?: string;
}

export interface IdentityPlatform {
  readonly urls: readonly string[];
  consentUrl(state: string, codeChallenge: string): string;
  exchangeCode(code: string, codeVerifier: string, now: number): Promise<TokenSet & { refreshToken: string }>;
  refresh(refreshToken: string, scopes: readonly string[], now: number): Promise<TokenSet>;
}

function tokenSet(data: unknown, now: number): TokenSet {
  const d = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  if (typeof d.access_token !== 'string') throw new Error('the token endpoint sent no access token');
  const seconds = typeof d.expires_in === 'number' ? d.expires_in : Number(d.expires_in ?? 3600);
  return {
    accessToken: d.access_token,
    expiresAt: now + (Number.isFinite(seconds) ? seconds : 3600) * 1000,
    ...(typeof d.refresh_token === 'string' ? { refreshToken: d.refresh_token } : {}),
  };
}

export function createIdentityPlatform(e: IdentityEndpoints): IdentityPlatform {
  const base = e.authorityUrl.replace(/\/+$/, '');
  const authorizeUrl = `${base}/oauth2/v2.0/authorize`;
  const tokenUrl = `${base}/oauth2/v2.0/token`;
  const token = async (form: Record<string, string>, now: number): Promise<TokenSet> => {
    const body = new URLSearchParams({ client_id: e.clientId, client_secret: e.clientSecret, ...form }).toString();
    const headers = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    return tokenSet(
      await microsoftCall({ method: 'POST', url: tokenUrl, headers, body, what: 'token endpoint' }, e.timeoutMs),
      now,
    );
  };
  return {
    urls: [authorizeUrl, tokenUrl, e.redirectUrl],
    consentUrl(state, codeChallenge) {
      const query = new URLSearchParams({
        client_id: e.clientId,
        response_type: 'code',
        redirect_uri: e.redirectUrl,
        response_mode: 'query',
        scope: CONSENT_SCOPES.join(' '),
        state,
        code_challenge: codeChallenge,
        code_challenge_method: 'S256',
        prompt: 'select_account',
      });
      return `${authorizeUrl}?${query.toString()}`;
    },
    async exchangeCode(code, codeVerifier, now) {
      const set = await token(
        {
          grant_type: 'authorization_code',
          code,
          redirect_uri: e.redirectUrl,
          code_verifier: codeVerifier,
          scope: LINK_SCOPES.join(' '),
        },
        now,
      );
      if (set.refreshToken === undefined)
        throw new Error('Microsoft sent no refresh token (offline_access not granted)');
      return { ...set, refreshToken: set.refreshToken };
    },
    refresh(refreshToken, scopes, now) {
      return token({ grant_type: 'refresh_token', refresh_token: refreshToken, scope: scopes.join(' ') }, now);
    },
  };
}
