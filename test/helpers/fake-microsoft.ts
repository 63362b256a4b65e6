import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFakeDrafts, type FakeAttachment, type FakeDraft } from './fake-graph-drafts.js';

/**
 * A local stand-in for the Microsoft identity platform's token endpoint (authority `/common`) and
 * the parts of Microsoft Graph Postbode uses (`GET /v1.0/me`, `POST /v1.0/users/{id}/sendMail` in
 * MIME form), on 127.0.0.1 port 0. It checks what a real client must send (client id and secret,
 * the redirect URI of the consent, the PKCE verifier of the challenge, a base64 text/plain body),
 * rotates refresh tokens like Microsoft does, records every request, and can be told to fail the
 * next calls of one kind (429 + Retry-After, 503, 403, 413, invalid_grant) or to stall sendMail.
 * The draft path for large messages (draft from MIME, upload sessions, send, delete) is in
 * fake-graph-drafts.ts; a sent draft is recorded in `sent` with its attachments.
 */
export interface FakeMailbox {
  readonly id: string;
  readonly mail: string;
  proxyAddresses: string[];
}

export interface FakeMsRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization?: string;
  readonly contentType?: string;
  readonly body: Buffer;
}

export interface GraphSent {
  readonly userId: string;
  readonly raw: Buffer;
  /** Set when the message went as a draft: the draft's id and the uploaded attachments. */
  readonly draftId?: string;
  readonly attachments?: readonly FakeAttachment[];
}

export type MsCall =
  | 'authorize'
  | 'token'
  | 'me'
  | 'sendMail'
  | 'createDraft'
  | 'uploadSession'
  | 'uploadChunk'
  | 'sendDraft'
  | 'deleteDraft';

const ROUTES: readonly (readonly [MsCall, string, RegExp])[] = [
  ['token', 'POST', /^\/common\/oauth2\/v2\.0\/token$/],
  ['authorize', 'GET', /^\/common\/oauth2\/v2\.0\/authorize$/],
  ['me', 'GET', /^\/v1\.0\/me$/],
  ['sendMail', 'POST', /^\/v1\.0\/users\/[^/]+\/sendMail$/],
  ['createDraft', 'POST', /^\/v1\.0\/users\/[^/]+\/messages$/],
  ['uploadSession', 'POST', /^\/v1\.0\/users\/[^/]+\/messages\/[^/]+\/attachments\/createUploadSession$/],
  ['uploadChunk', 'PUT', /^\/upload\/[^/]+$/],
  ['sendDraft', 'POST', /^\/v1\.0\/users\/[^/]+\/messages\/[^/]+\/send$/],
  ['deleteDraft', 'DELETE', /^\/v1\.0\/users\/[^/]+\/messages\/[^/]+$/],
];

export interface MsFailure {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
}

export const CLIENT_ID = '00000000-1111-2222-3333-444444444444';
export const CLIENT_SECRET = 'fake-entra-secret';

export const MS_INVALID_GRANT: MsFailure = {
  status: 400,
  body: {
    error: 'invalid_grant',
    error_description: 'AADSTS50173: The provided grant has expired due to it being revoked.',
  },
};
export const graphError = (status: number, code: string, message: string, headers?: Record<string, string>) => ({
  status,
  body: { error: { code, message } },
  ...(headers ? { headers } : {}),
});
export const THROTTLED = (seconds: number): MsFailure =>
  graphError(429, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.', {
    'retry-after': String(seconds),
  });
export const LICENCE_REMOVED: MsFailure = graphError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials.');

export interface FakeMicrosoft {
  readonly url: string;
  readonly requests: FakeMsRequest[];
  readonly sent: GraphSent[];
  /** Every refresh token handed out, in order (rotation included). */
  readonly refreshTokens: string[];
  /** Every problem the fake found with a request the real service would refuse. */
  readonly complaints: string[];
  /** A code as the consent screen gives it, for the consent URL's query (redirect_uri, code_challenge, scope). */
  issueCode(mailbox: FakeMailbox, consent: URLSearchParams): string;
  /**
   * The consent page (GET …/authorize) signs in as `mailbox` and sends the browser back to the consent's
   * redirect URI with a code, its origin replaced by `callbackOrigin` when given (the test knows the gateway's
   * port only after it started; the code is still bound to the configured redirect URI).
   */
  consentAs(mailbox: FakeMailbox, callbackOrigin?: string): void;
  /** Every refresh token of the mailbox answers invalid_grant from now on (consent revoked, password reset). */
  killRefreshTokens(mailboxId: string): void;
  failNext(kind: MsCall, failure: MsFailure, times?: number): void;
  /** sendMail never answers until `unstall`. */
  stallSends(): void;
  /** Upload chunks (PUT of an upload URL) never answer until `unstall`. */
  stallUploads(): void;
  /** Every draft made, by id (deleted and sent ones included). */
  readonly drafts: ReadonlyMap<string, FakeDraft>;
  unstall(): void;
  count(kind: MsCall): number;
  /** The mailbox address an access token for Exchange Online's SMTP.Send was issued to (an SMTP server's check). */
  smtpAccessOwner(token: string): string | undefined;
  close(): Promise<void>;
}

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
  res.end(body === undefined ? '' : JSON.stringify(body));
}

interface Issued {
  readonly mailbox: FakeMailbox;
  readonly challenge: string;
  readonly redirectUri: string;
  /** What the user consented to: a refresh may ask for any of it, one resource per request. */
  readonly consented: string;
}

const SMTP_SEND = 'https://outlook.office.com/SMTP.Send';
const resourceOf = (scope: string) => (scope.startsWith('https://') ? new URL(scope).host : 'openid');

export async function startFakeMicrosoft(): Promise<FakeMicrosoft> {
  const requests: FakeMsRequest[] = [];
  const sent: GraphSent[] = [];
  const complaints: string[] = [];
  const issuedRefresh: string[] = [];
  const codes = new Map<string, Issued>();
  const refreshTokens = new Map<string, FakeMailbox>();
  const accessTokens = new Map<string, FakeMailbox>();
  const consentOf = new Map<string, string>();
  const smtpAccess = new Map<string, FakeMailbox>();
  const dead = new Set<string>();
  const failures = new Map<MsCall, MsFailure[]>();
  const counts = new Map<MsCall, number>();
  const stalled: ServerResponse[] = [];
  let stall = false;
  let stallUploads = false;
  let consenting: { mailbox: FakeMailbox; origin?: string } | undefined;
  let serial = 0;
  let draftsUrl = '';
  const draftsApi = createFakeDrafts(() => draftsUrl, complaints, json);

  const tokens = (mailbox: FakeMailbox, consented: string, scope: string) => {
    const access = `eyJ0eXAi.fake-access-${++serial}`;
    const refresh = `0.AAAA-fake-refresh-${++serial}`;
    if (scope.split(' ').includes(SMTP_SEND)) smtpAccess.set(access, mailbox);
    else accessTokens.set(access, mailbox);
    refreshTokens.set(refresh, mailbox);
    consentOf.set(refresh, consented);
    issuedRefresh.push(refresh);
    return { token_type: 'Bearer', expires_in: 3599, access_token: access, refresh_token: refresh };
  };

  function token(form: URLSearchParams, res: ServerResponse): void {
    if (form.get('client_id') !== CLIENT_ID || form.get('client_secret') !== CLIENT_SECRET)
      return json(res, 401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret.' });
    const scope = form.get('scope') ?? '';
    const resources = new Set(
      scope
        .split(' ')
        .filter((x) => x.startsWith('https://'))
        .map(resourceOf),
    );
    if (resources.size > 1) {
      complaints.push('token request for more than one resource');
      return json(res, 400, { error: 'invalid_scope', error_description: 'AADSTS28000: more than one resource.' });
    }
    if (form.get('grant_type') === 'authorization_code') {
      const issued = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      if (!issued) return json(res, 400, { error: 'invalid_grant', error_description: 'AADSTS70008: code expired.' });
      if (form.get('redirect_uri') !== issued.redirectUri) {
        complaints.push('redirect_uri differs from the consent');
        return json(res, 400, { error: 'invalid_grant', error_description: 'AADSTS50011: redirect URI mismatch.' });
      }
      const verifier = form.get('code_verifier') ?? '';
      if (createHash('sha256').update(verifier).digest('base64url') !== issued.challenge) {
        complaints.push('code_verifier does not match the challenge');
        return json(res, 400, { error: 'invalid_grant', error_description: 'AADSTS501481: verifier mismatch.' });
      }
      return json(res, 200, tokens(issued.mailbox, issued.consented, scope));
    }
    if (form.get('grant_type') === 'refresh_token') {
      const refresh = form.get('refresh_token') ?? '';
      const mailbox = refreshTokens.get(refresh);
      if (!mailbox || dead.has(mailbox.id)) return json(res, 400, MS_INVALID_GRANT.body);
      const consented = consentOf.get(refresh) ?? '';
      if (scope.split(' ').some((x) => x.startsWith('https://') && !consented.split(' ').includes(x)))
        return json(res, 400, {
          error: 'invalid_grant',
          error_description: 'AADSTS65001: The user or administrator has not consented to use the application.',
        });
      return json(res, 200, tokens(mailbox, consented, scope));
    }
    json(res, 400, { error: 'unsupported_grant_type' });
  }

  function sendMail(mailbox: FakeMailbox, path: string, req: IncomingMessage, body: Buffer, res: ServerResponse) {
    const userId = decodeURIComponent(path.split('/')[3] ?? '');
    if (userId !== mailbox.id) return json(res, 403, graphError(403, 'ErrorAccessDenied', 'Not this user.').body);
    if (!(req.headers['content-type'] ?? '').startsWith('text/plain')) {
      complaints.push('sendMail MIME body not sent as text/plain');
      return json(res, 400, graphError(400, 'ErrorMimeContentInvalid', 'Content-Type').body);
    }
    const text = body.toString('latin1');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
      complaints.push('sendMail body is not base64');
      return json(res, 400, graphError(400, 'ErrorMimeContentInvalidBase64String', 'Invalid base64').body);
    }
    sent.push({ userId, raw: Buffer.from(text, 'base64') });
    json(res, 202, undefined);
  }

  function authorize(consent: URLSearchParams, res: ServerResponse): void {
    if (!consenting) {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>Sign in (stand-in)</title><h1>Pick an account</h1>');
      return;
    }
    const code = issue(consenting.mailbox, consent);
    const back = new URL(consent.get('redirect_uri') ?? '');
    const target = new URL(
      `${back.pathname}?${new URLSearchParams({ code, state: consent.get('state') ?? '' })}`,
      consenting.origin ?? back.origin,
    );
    res.writeHead(302, { location: target.toString() });
    res.end();
  }

  function issue(mailbox: FakeMailbox, consent: URLSearchParams): string {
    const code = `M.C5-fake-code-${++serial}`;
    if (consent.get('client_id') !== CLIENT_ID) complaints.push('consent URL names another client');
    if (consent.get('code_challenge_method') !== 'S256') complaints.push('consent URL without S256 PKCE');
    if (!(consent.get('scope') ?? '').includes('offline_access')) complaints.push('consent without offline_access');
    codes.set(code, {
      mailbox,
      challenge: consent.get('code_challenge') ?? '',
      redirectUri: consent.get('redirect_uri') ?? '',
      consented: consent.get('scope') ?? '',
    });
    return code;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const body = await readBody(req);
    const kind = ROUTES.find(([, method, path]) => method === req.method && path.test(url.pathname))?.[0];
    requests.push({
      method: req.method ?? '',
      path: url.pathname,
      body,
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      ...(req.headers['content-type'] ? { contentType: req.headers['content-type'] } : {}),
    });
    if (!kind) return json(res, 404, { error: { code: 'NotFound', message: `fake-microsoft: ${url.pathname}` } });
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
    const failure = failures.get(kind)?.shift();
    if (failure) return json(res, failure.status, failure.body ?? {}, failure.headers);
    if (kind === 'token') return token(new URLSearchParams(body.toString('utf8')), res);
    if (kind === 'authorize') return authorize(url.searchParams, res);
    if (kind === 'uploadChunk') {
      if (stallUploads) return void stalled.push(res);
      return draftsApi.chunk(url.pathname.split('/')[2] ?? '', req, body, res);
    }
    const mailbox = accessTokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
    if (!mailbox) return json(res, 401, { error: { code: 'InvalidAuthenticationToken', message: 'expired' } });
    if (kind === 'me')
      return json(res, 200, {
        id: mailbox.id,
        mail: mailbox.mail,
        userPrincipalName: mailbox.mail,
        proxyAddresses: mailbox.proxyAddresses,
      });
    if (kind !== 'sendMail') return draftCall(kind, mailbox, url.pathname, req, body, res);
    if (stall) {
      stalled.push(res);
      return;
    }
    sendMail(mailbox, url.pathname, req, body, res);
  }

  function draftCall(
    kind: MsCall,
    mailbox: FakeMailbox,
    path: string,
    req: IncomingMessage,
    body: Buffer,
    res: ServerResponse,
  ): void {
    const [, , , user = '', , draftId = ''] = path.split('/').map(decodeURIComponent);
    if (user !== mailbox.id) {
      complaints.push(`${kind} for user ${user} with a token of ${mailbox.id}`);
      return json(res, 403, graphError(403, 'ErrorAccessDenied', 'Not this user.').body);
    }
    if (kind === 'createDraft') return draftsApi.create(user, req, body, res);
    if (kind === 'uploadSession') return draftsApi.session(user, draftId, body, res);
    if (kind === 'deleteDraft') return draftsApi.remove(user, draftId, res);
    const draft = draftsApi.send(user, draftId, res);
    if (draft) sent.push({ userId: user, raw: draft.mime, draftId: draft.id, attachments: draft.attachments });
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => json(res, 500, { error: { code: 'Fake', message: String(err) } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  draftsUrl = `http://127.0.0.1:${port}`;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    sent,
    complaints,
    refreshTokens: issuedRefresh,
    issueCode: issue,
    consentAs(mailbox, callbackOrigin) {
      consenting = { mailbox, ...(callbackOrigin !== undefined ? { origin: callbackOrigin } : {}) };
    },
    killRefreshTokens(mailboxId) {
      dead.add(mailboxId);
      for (const [token, m] of accessTokens) if (m.id === mailboxId) accessTokens.delete(token);
      for (const [token, m] of smtpAccess) if (m.id === mailboxId) smtpAccess.delete(token);
    },
    failNext(kind, failure, times = 1) {
      const list = failures.get(kind) ?? [];
      for (let i = 0; i < times; i++) list.push(failure);
      failures.set(kind, list);
    },
    stallSends() {
      stall = true;
    },
    stallUploads() {
      stallUploads = true;
    },
    drafts: draftsApi.drafts,
    unstall() {
      stall = false;
      stallUploads = false;
      for (const res of stalled.splice(0)) res.destroy();
    },
    count: (kind) => counts.get(kind) ?? 0,
    smtpAccessOwner: (token) => smtpAccess.get(token)?.mail,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The `microsoft365` config block pointing every Microsoft URL at the fake. */
export function fakeMicrosoftConfig(fake: Pick<FakeMicrosoft, 'url'>, extra: Record<string, unknown> = {}) {
  return {
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    authorityUrl: `${fake.url}/common`,
    graphUrl: fake.url,
    ...extra,
  };
}
