import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for Google's OAuth token endpoint and the parts of the Gmail API that
 * Postbode uses (profile, sendAs.list, messages.send as JSON and as media upload), on
 * 127.0.0.1 port 0. It records every request and can be told to fail the next calls of one
 * kind with a status, headers and body (401, 429 + Retry-After, 5xx, 400, invalid_grant).
 */
export interface FakeAccount {
  readonly address: string;
  aliases: string[];
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly authorization?: string;
  readonly contentType?: string;
  readonly body: Buffer;
}

export interface SentMessage {
  readonly account: string;
  readonly raw: Buffer;
  readonly upload: boolean;
  readonly id: string;
}

export type FakeCall = 'token' | 'send' | 'sendAs' | 'profile' | 'revoke';

export interface Failure {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
}

export interface FakeGoogle {
  readonly url: string;
  readonly requests: RecordedRequest[];
  readonly sent: SentMessage[];
  /** Refresh tokens revoked through /revoke. */
  readonly revoked: string[];
  /**
   * A one-time authorization code for `account`, as Google's consent screen would give the
   * browser. With the consent URL's PKCE `codeChallenge` (S256), the exchange must bring its verifier.
   */
  issueCode(account: FakeAccount, codeChallenge?: string, scope?: string): string;
  /** The address a live access token was issued for (an SMTP server checking an XOAUTH2 login asks this). */
  accessTokenOwner(token: string): string | undefined;
  /** Every refresh token of `address` now answers invalid_grant (revoked by the user, expired in testing mode). */
  killRefreshTokens(address: string): void;
  /** Every access token issued so far is refused with 401 from now on. */
  expireAccessTokens(): void;
  /** The next `times` calls of `kind` answer `failure`. */
  failNext(kind: FakeCall, failure: Failure, times?: number): void;
  count(kind: FakeCall): number;
  close(): Promise<void>;
}

export const INVALID_GRANT: Failure = {
  status: 400,
  body: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' },
};

function apiError(status: number, reason: string, message: string): Failure {
  return { status, body: { error: { code: status, message, errors: [{ reason, message, domain: 'global' }] } } };
}
export const RATE_LIMITED = (retryAfterSeconds: number): Failure => ({
  ...apiError(429, 'rateLimitExceeded', 'Too many requests'),
  headers: { 'retry-after': String(retryAfterSeconds) },
});
export const BACKEND_ERROR: Failure = apiError(503, 'backendError', 'Backend Error');
export const MALFORMED: Failure = apiError(400, 'invalidArgument', "Invalid 'raw' field: message could not be parsed");

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

export async function startFakeGoogle(): Promise<FakeGoogle> {
  const requests: RecordedRequest[] = [];
  const sent: SentMessage[] = [];
  const revoked: string[] = [];
  const codes = new Map<string, { account: FakeAccount; challenge?: string; scope?: string }>();
  const refreshTokens = new Map<string, FakeAccount>();
  const accessTokens = new Map<string, FakeAccount>();
  const dead = new Set<string>();
  const failures = new Map<FakeCall, Failure[]>();
  const counts = new Map<FakeCall, number>();
  let serial = 0;

  const issueAccess = (account: FakeAccount): string => {
    const token = `ya29.fake-${++serial}`;
    accessTokens.set(token, account);
    return token;
  };
  const accountOf = (req: IncomingMessage): FakeAccount | undefined =>
    accessTokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
  const unauthorized = (res: ServerResponse): void =>
    json(res, 401, {
      error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' },
    });

  function token(form: URLSearchParams, res: ServerResponse): void {
    const grant = form.get('grant_type');
    if (grant === 'authorization_code') {
      const issued = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      if (!issued) return json(res, 400, { error: 'invalid_grant', error_description: 'Malformed auth code.' });
      const verifier = form.get('code_verifier') ?? '';
      if (
        issued.challenge !== undefined &&
        createHash('sha256').update(verifier).digest('base64url') !== issued.challenge
      ) {
        return json(res, 400, { error: 'invalid_grant', error_description: 'Invalid code verifier.' });
      }
      const { account } = issued;
      const refresh = `1//fake-refresh-${++serial}`;
      refreshTokens.set(refresh, account);
      return json(res, 200, {
        access_token: issueAccess(account),
        refresh_token: refresh,
        expires_in: 3599,
        token_type: 'Bearer',
        // What the consent screen asked for (Google answers the granted scopes), else what Gmail mode asks.
        scope: issued.scope ?? 'https://www.googleapis.com/auth/gmail.send',
      });
    }
    if (grant === 'refresh_token') {
      const refresh = form.get('refresh_token') ?? '';
      const account = refreshTokens.get(refresh);
      if (!account || dead.has(refresh)) return json(res, 400, INVALID_GRANT.body);
      return json(res, 200, { access_token: issueAccess(account), expires_in: 3599, token_type: 'Bearer' });
    }
    json(res, 400, { error: 'unsupported_grant_type' });
  }

  function send(account: FakeAccount, _req: IncomingMessage, body: Buffer, upload: boolean, res: ServerResponse): void {
    const raw = upload ? body : Buffer.from((JSON.parse(body.toString('utf8')) as { raw: string }).raw, 'base64url');
    const id = `gmail-${++serial}`;
    sent.push({ account: account.address, raw, upload, id });
    json(res, 200, { id, threadId: id, labelIds: ['SENT'] });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const body = await readBody(req);
    requests.push({
      method: req.method ?? '',
      path: url.pathname,
      query: url.searchParams,
      body,
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      ...(req.headers['content-type'] ? { contentType: req.headers['content-type'] } : {}),
    });
    const kind: FakeCall | undefined =
      url.pathname === '/token'
        ? 'token'
        : url.pathname === '/revoke'
          ? 'revoke'
          : url.pathname.endsWith('/messages/send')
            ? 'send'
            : url.pathname.endsWith('/settings/sendAs')
              ? 'sendAs'
              : url.pathname.endsWith('/profile')
                ? 'profile'
                : undefined;
    if (!kind) return json(res, 404, { error: { code: 404, message: `fake-google: no route ${url.pathname}` } });
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
    const failure = failures.get(kind)?.shift();
    if (failure) return json(res, failure.status, failure.body ?? {}, failure.headers);
    if (kind === 'token') return token(new URLSearchParams(body.toString('utf8')), res);
    if (kind === 'revoke') {
      revoked.push(url.searchParams.get('token') ?? '');
      return json(res, 200, {});
    }
    const account = accountOf(req);
    if (!account) return unauthorized(res);
    if (kind === 'profile')
      return json(res, 200, { emailAddress: account.address, messagesTotal: 0, threadsTotal: 0, historyId: '1' });
    if (kind === 'sendAs') {
      return json(res, 200, {
        sendAs: account.aliases.map((a) => ({
          sendAsEmail: a,
          isPrimary: a === account.address,
          verificationStatus: 'accepted',
        })),
      });
    }
    send(account, req, body, url.pathname.startsWith('/upload/'), res);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => json(res, 500, { error: { code: 500, message: String(err) } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    sent,
    revoked,
    issueCode(account, codeChallenge, scope) {
      const code = `4/fake-code-${++serial}`;
      codes.set(code, {
        account,
        ...(codeChallenge !== undefined ? { challenge: codeChallenge } : {}),
        ...(scope !== undefined ? { scope } : {}),
      });
      return code;
    },
    accessTokenOwner: (token) => accessTokens.get(token)?.address,
    killRefreshTokens(address) {
      for (const [refresh, account] of refreshTokens) if (account.address === address) dead.add(refresh);
    },
    expireAccessTokens() {
      accessTokens.clear();
    },
    failNext(kind, failure, times = 1) {
      const list = failures.get(kind) ?? [];
      for (let i = 0; i < times; i++) list.push(failure);
      failures.set(kind, list);
    },
    count: (kind) => counts.get(kind) ?? 0,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The `gmail` config block pointing every Google URL at the fake. */
export function fakeGoogleConfig(
  fake: Pick<FakeGoogle, 'url'>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    clientId: 'postbode-test.apps.googleusercontent.com',
    clientSecret: 'fake-client-secret',
    authUrl: `${fake.url}/auth`,
    tokenUrl: `${fake.url}/token`,
    revokeUrl: `${fake.url}/revoke`,
    apiRootUrl: `${fake.url}/`,
    ...extra,
  };
}
