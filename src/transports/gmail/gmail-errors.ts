import { type SmtpReply, smtpReply } from '../../core/smtp-reply.js';

/**
 * What a failed Google call means for the message, by HTTP status first and Google's reason
 * second (house habit 5). The library's errors (gaxios) carry `response.status`,
 * `response.headers` and `response.data`; a network failure has no response.
 */
export type GmailFailure =
  /** The refresh token is dead (revoked, expired in testing mode): the link needs the tenant. */
  | { readonly kind: 'link-broken'; readonly reply: SmtpReply }
  /** 401 on the API: the access token was refused; refresh once and try again. */
  | { readonly kind: 'unauthorized'; readonly reply: SmtpReply }
  | { readonly kind: 'defer'; readonly reply: SmtpReply; readonly retryAfterMs?: number }
  | { readonly kind: 'bounce'; readonly reply: SmtpReply };

interface ErrorShape {
  readonly message?: unknown;
  readonly code?: unknown;
  readonly response?: { readonly status?: unknown; readonly headers?: unknown; readonly data?: unknown };
}

const MAX_TEXT = 300;

function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').slice(0, MAX_TEXT);
}

/**
 * Google's reason and words from either error body: OAuth (`{ error, error_description }`) or API (`{ error: { message,
 * errors } }`).
 */
export function googleReason(data: unknown): { reason?: string; text?: string } {
  if (typeof data !== 'object' || data === null) return {};
  const error = (data as { error?: unknown; error_description?: unknown }).error;
  if (typeof error === 'string') {
    const description = (data as { error_description?: unknown }).error_description;
    return { reason: error, ...(typeof description === 'string' ? { text: description } : {}) };
  }
  if (typeof error !== 'object' || error === null) return {};
  const e = error as { message?: unknown; errors?: unknown; status?: unknown };
  const first = Array.isArray(e.errors) ? (e.errors[0] as { reason?: unknown } | undefined) : undefined;
  const reason = typeof first?.reason === 'string' ? first.reason : typeof e.status === 'string' ? e.status : undefined;
  return { ...(reason !== undefined ? { reason } : {}), ...(typeof e.message === 'string' ? { text: e.message } : {}) };
}

/** Retry-After as delta-seconds or an HTTP date (RFC 9110 10.2.3), in ms from `now`. */
export function retryAfterMs(headers: unknown, now: number): number | undefined {
  const value = headerValue(headers, 'retry-after');
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** A fetch Headers (global or node-fetch's own class: no instanceof) or a plain object. */
function headerValue(headers: unknown, name: string): string | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined;
  const get = (headers as { get?: unknown }).get;
  if (typeof get === 'function') return (get.call(headers, name) as string | null) ?? undefined;
  const value = (headers as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

export function classifyGoogleError(err: unknown, now: number): GmailFailure {
  const e = (typeof err === 'object' && err !== null ? err : {}) as ErrorShape;
  const status = typeof e.response?.status === 'number' ? e.response.status : undefined;
  const { reason, text } = googleReason(e.response?.data);
  const words = oneLine(text ?? (typeof e.message === 'string' ? e.message : String(err)));
  if (reason === 'invalid_grant')
    return {
      kind: 'link-broken',
      reply: smtpReply(451, '4.7.0', `Gmail link broken: re-link needed (Google: invalid_grant, ${words})`),
    };
  if (status === undefined) {
    const code = typeof e.code === 'string' ? `${e.code} ` : '';
    return { kind: 'defer', reply: smtpReply(451, '4.4.1', `Gmail API not reachable: ${code}${words}`) };
  }
  if (status === 401)
    return { kind: 'unauthorized', reply: smtpReply(451, '4.7.0', `Gmail refused the access token (401): ${words}`) };
  if (status === 429 || status >= 500 || status === 403) {
    const after = retryAfterMs(e.response?.headers, now);
    const hint = after === undefined ? '' : `, retry after ${Math.ceil(after / 1000)} s`;
    return {
      kind: 'defer',
      reply: smtpReply(451, '4.3.0', `Gmail API answered ${status}${reason ? ` ${reason}` : ''}: ${words}${hint}`),
      ...(after !== undefined ? { retryAfterMs: after } : {}),
    };
  }
  if (status === 413)
    return { kind: 'bounce', reply: smtpReply(552, '5.3.4', `Gmail refused the message as too big: ${words}`) };
  // 400 failedPrecondition is about the account (e.g. Gmail not enabled for it), not the message.
  if (status === 400 && reason !== 'failedPrecondition')
    return {
      kind: 'bounce',
      reply: smtpReply(
        554,
        '5.6.0',
        `Gmail refused the message as malformed (400${reason ? ` ${reason}` : ''}): ${words}`,
      ),
    };
  const answered = `Gmail API answered ${status}${reason ? ` ${reason}` : ''}: ${words}`;
  return { kind: 'defer', reply: smtpReply(451, '4.3.0', answered) };
}
