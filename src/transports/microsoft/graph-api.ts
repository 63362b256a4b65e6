import { microsoftCall } from './microsoft-http.js';

/**
 * The parts of Microsoft Graph Postbode uses: the signed-in mailbox (`/me`: id, primary address,
 * proxyAddresses for send-as) and sendMail in its MIME form (the body is the base64 of the
 * message, Content-Type text/plain), which sends the bytes as they are. Graph saves MIME-form
 * sends to Sent Items; it has no switch for that form (docs/microsoft-365.md).
 */
export interface GraphEndpoints {
  /** e.g. https://graph.microsoft.com: `/v1.0/…` below it. */
  readonly graphUrl: string;
  readonly timeoutMs: number;
}

export interface Mailbox {
  /** The user's object id: sendMail goes to /users/{id}. */
  readonly id: string;
  readonly address: string;
  /** Addresses the mailbox may send as: its own and its SMTP proxy addresses. */
  readonly sendAs: readonly string[];
}

export interface GraphApi {
  readonly urls: readonly string[];
  mailbox(accessToken: string): Promise<Mailbox>;
  sendMime(accessToken: string, userId: string, raw: Buffer): Promise<void>;
}

/** Base64 of `bytes` bytes: what the MIME form puts on the wire. */
export function mimeRequestBytes(bytes: number): number {
  return Math.ceil(bytes / 3) * 4;
}

function smtpAddresses(proxyAddresses: unknown): string[] {
  if (!Array.isArray(proxyAddresses)) return [];
  return proxyAddresses
    .filter((p): p is string => typeof p === 'string' && /^smtp:/i.test(p))
    .map((p) => p.slice(5))
    .filter((a) => a.includes('@'));
}

export function createGraphApi(e: GraphEndpoints): GraphApi {
  const v1 = `${e.graphUrl.replace(/\/+$/, '')}/v1.0`;
  const auth = (token: string) => ({ authorization: `Bearer ${token}` });
  return {
    urls: [v1],
    async mailbox(accessToken) {
      const url = `${v1}/me?$select=id,mail,userPrincipalName,proxyAddresses`;
      const data = (await microsoftCall(
        { method: 'GET', url, headers: { ...auth(accessToken), accept: 'application/json' }, what: 'Graph /me' },
        e.timeoutMs,
      )) as Record<string, unknown> | undefined;
      const id = typeof data?.id === 'string' ? data.id : undefined;
      const mail = typeof data?.mail === 'string' && data.mail !== '' ? data.mail : data?.userPrincipalName;
      if (id === undefined || typeof mail !== 'string') throw new Error('Graph sent no mailbox for the account');
      const aliases = smtpAddresses(data?.proxyAddresses);
      const own = aliases.some((a) => a.toLowerCase() === mail.toLowerCase()) ? [] : [mail];
      return { id, address: mail, sendAs: [...own, ...aliases] };
    },
    async sendMime(accessToken, userId, raw) {
      await microsoftCall(
        {
          method: 'POST',
          url: `${v1}/users/${encodeURIComponent(userId)}/sendMail`,
          headers: { ...auth(accessToken), 'content-type': 'text/plain' },
          body: raw.toString('base64'),
          what: 'Graph sendMail',
        },
        e.timeoutMs,
      );
    },
  };
}
