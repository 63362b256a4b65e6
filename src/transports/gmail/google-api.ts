import type { auth, gmail_v1 } from '@googleapis/gmail';

/**
 * The one place that hands URLs to Google's client library (@googleapis/gmail and its
 * google-auth-library OAuth2 client). Every URL it is given comes from here and is recorded
 * in `urls`, so a test can assert that nothing but the fake server was ever named. The Gmail
 * client's `rootUrl` is not applied to media uploads (../shared/research/deps.md section 6),
 * so it is also passed with every call, with the library's own retries off: the queue retries.
 */
export interface GoogleEndpoints {
  readonly clientId: string;
  readonly clientSecret: string;
  /** The OAuth callback registered with Google. */
  readonly redirectUrl: string;
  readonly authUrl: string;
  readonly tokenUrl: string;
  readonly revokeUrl: string;
  readonly apiRootUrl: string;
  /** Per HTTP request to Google. */
  readonly timeoutMs: number;
}

export type OAuthClient = InstanceType<typeof auth.OAuth2>;
type AuthUrlOptions = NonNullable<Parameters<OAuthClient['generateAuthUrl']>[0]>;
/** google-auth-library's CodeChallengeMethod.S256 (a string enum; the library is not imported directly). */
const S256 = 'S256' as unknown as AuthUrlOptions['code_challenge_method'];

/** gmail.send to send; gmail.readonly for the account's address and its send-as aliases (sendAs.list). */
export const GMAIL_SCOPES = [
  'https://www.googleapis.com/auth/gmail.send',
  'https://www.googleapis.com/auth/gmail.readonly',
] as const;

/** Full mail access: the only scope Google accepts for SMTP AUTH XOAUTH2 (own-SMTP mode at smtp.gmail.com). */
export const GMAIL_SMTP_SCOPE = 'https://mail.google.com/';

export interface GoogleApi {
  /** Every URL given to the Google client so far (config endpoints and the API root). */
  readonly urls: readonly string[];
  /** An OAuth client holding one refresh token; it fetches and refreshes access tokens itself. */
  client(refreshToken?: string): OAuthClient;
  /**
   * The consent URL; `codeChallenge` is the PKCE S256 challenge of the flow's verifier (RFC 7636). `smtp` also asks
   * for GMAIL_SMTP_SCOPE (an own-SMTP login by XOAUTH2).
   */
  consentUrl(state: string, codeChallenge: string, smtp?: boolean): string;
  /**
   * Exchanges the callback's code (with the flow's PKCE verifier); Google sends a refresh token with offline access and
   * prompt=consent.
   */
  exchangeCode(
    code: string,
    codeVerifier: string,
  ): Promise<{ readonly refreshToken: string; readonly client: OAuthClient; readonly scopes: readonly string[] }>;
  /** A new access token for the stored refresh token (XOAUTH2), with when it expires; bounded by `timeoutMs`. */
  accessToken(refreshToken: string): Promise<{ readonly token: string; readonly expiresAt: number }>;
  revoke(token: string): Promise<void>;
  /** The linked account's own address (users.getProfile). */
  address(client: OAuthClient): Promise<string>;
  /** Verified send-as addresses, the primary one included (users.settings.sendAs.list). */
  sendAs(client: OAuthClient): Promise<string[]>;
  /** users.messages.send with the raw message, as JSON or through the upload (media) endpoint. */
  send(client: OAuthClient, raw: Buffer, upload: boolean): Promise<string>;
}

/**
 * Loaded on first use: the Google client library costs ~50 MiB of memory and 0.3 s at import,
 * which a gateway without a Google OAuth client should not pay.
 */
export async function createGoogleApi(endpoints: GoogleEndpoints): Promise<GoogleApi> {
  const { auth, gmail } = await import('@googleapis/gmail');
  const urls: string[] = [];
  const given = <T extends string>(url: T): T => {
    urls.push(url);
    return url;
  };
  const rootUrl = given(endpoints.apiRootUrl);
  const oauthEndpoints = {
    oauth2AuthBaseUrl: given(endpoints.authUrl),
    oauth2TokenUrl: given(endpoints.tokenUrl),
    oauth2RevokeUrl: given(endpoints.revokeUrl),
  };
  const redirectUri = given(endpoints.redirectUrl);
  const callOptions = { rootUrl, retry: false, timeout: endpoints.timeoutMs };

  const client = (refreshToken?: string): OAuthClient => {
    const c = new auth.OAuth2({
      clientId: endpoints.clientId,
      clientSecret: endpoints.clientSecret,
      redirectUri,
      endpoints: oauthEndpoints,
    });
    if (refreshToken !== undefined) c.setCredentials({ refresh_token: refreshToken });
    return c;
  };
  const api = (c: OAuthClient): gmail_v1.Gmail => gmail({ version: 'v1', auth: c, ...callOptions });

  return {
    urls,
    client,
    consentUrl(state, codeChallenge, smtp = false) {
      return client().generateAuthUrl({
        access_type: 'offline',
        prompt: 'consent',
        scope: smtp ? [...GMAIL_SCOPES, GMAIL_SMTP_SCOPE] : [...GMAIL_SCOPES],
        state,
        include_granted_scopes: false,
        code_challenge: codeChallenge,
        code_challenge_method: S256,
      });
    },
    async exchangeCode(code, codeVerifier) {
      const c = client();
      const { tokens } = await c.getToken({ code, codeVerifier });
      if (!tokens.refresh_token) throw new Error('Google sent no refresh token (offline access was not granted)');
      c.setCredentials(tokens);
      const scopes = (tokens.scope ?? '').split(' ').filter((x) => x !== '');
      return { refreshToken: tokens.refresh_token, client: c, scopes };
    },
    async accessToken(refreshToken) {
      const { credentials } = await withTimeout(client(refreshToken).refreshAccessToken(), endpoints.timeoutMs);
      if (!credentials.access_token) throw new Error('Google sent no access token');
      return { token: credentials.access_token, expiresAt: credentials.expiry_date ?? Date.now() + 3_000_000 };
    },
    async revoke(token) {
      await client().revokeToken(token);
    },
    async address(c) {
      const res = await api(c).users.getProfile({ userId: 'me' }, callOptions);
      const address = res.data.emailAddress;
      if (!address) throw new Error('Google sent no address for the account');
      return address;
    },
    async sendAs(c) {
      const res = await api(c).users.settings.sendAs.list({ userId: 'me' }, callOptions);
      return (res.data.sendAs ?? [])
        .filter(
          (a) =>
            a.isPrimary === true ||
            a.verificationStatus === 'accepted' ||
            a.verificationStatus === undefined ||
            a.verificationStatus === null,
        )
        .map((a) => a.sendAsEmail ?? '')
        .filter((a) => a !== '');
    },
    async send(c, raw, upload) {
      const users = api(c).users.messages;
      const res = upload
        ? await users.send({ userId: 'me', media: { mimeType: 'message/rfc822', body: raw } }, callOptions)
        : await users.send({ userId: 'me', requestBody: { raw: raw.toString('base64url') } }, callOptions);
      return res.data.id ?? '';
    },
  };
}

/** The library's token refresh has no timeout of its own; a stalled token endpoint must not hold a send. */
function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${ms} ms`), { code: 'ETIMEDOUT' })), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
