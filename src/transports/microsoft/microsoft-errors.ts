import { type SmtpReply, smtpReply } from '../../core/smtp-reply.js';
import { retryAfterMs } from '../gmail/gmail-errors.js';
import { MicrosoftHttpError } from './microsoft-http.js';

/**
 * What a failed call to Microsoft means for the message: by HTTP status first, Microsoft's error
 * code second (house habit 5). The token endpoint answers `{ error, error_description }`, Graph
 * `{ error: { code, message } }`; a network failure or timeout has no status.
 */
export type MicrosoftFailure =
  /** The grant is gone (consent revoked, password reset, licence or mailbox removed): the tenant must link again. */
  | { readonly kind: 'link-broken'; readonly reply: SmtpReply }
  /** 401 from Graph: the access token was refused; get a new one and try once more. */
  | { readonly kind: 'unauthorized'; readonly reply: SmtpReply }
  | { readonly kind: 'defer'; readonly reply: SmtpReply; readonly retryAfterMs?: number }
  | { readonly kind: 'bounce'; readonly reply: SmtpReply };

const MAX_TEXT = 300;
/** The grant itself is dead or needs the user again. */
const DEAD_GRANT = new Set(['invalid_grant', 'interaction_required', 'consent_required', 'unauthorized_client']);
/** Graph codes that say the mailbox can no longer be used through this link. */
const DEAD_MAILBOX = new Set(['MailboxNotEnabledForRESTAPI', 'MailboxNotFound', 'ErrorInvalidUser']);

function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').slice(0, MAX_TEXT);
}

/** Microsoft's code and words from either error body. */
export function microsoftReason(data: unknown): { code?: string; text?: string } {
  if (typeof data !== 'object' || data === null) return typeof data === 'string' ? { text: data } : {};
  const { error, error_description: description } = data as { error?: unknown; error_description?: unknown };
  if (typeof error === 'string')
    return { code: error, ...(typeof description === 'string' ? { text: description.split('\r\n')[0] } : {}) };
  if (typeof error !== 'object' || error === null) return {};
  const e = error as { code?: unknown; message?: unknown };
  return {
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
    ...(typeof e.message === 'string' ? { text: e.message } : {}),
  };
}

function broken(status: number, code: string | undefined, words: string): MicrosoftFailure {
  const why =
    status === 403 || DEAD_MAILBOX.has(code ?? '')
      ? 'the mailbox may no longer send through Graph (licence or mailbox removed, or permission withdrawn)'
      : 'Microsoft no longer accepts the sign-in (consent revoked, password reset or the sign-in expired)';
  return {
    kind: 'link-broken',
    reply: smtpReply(451, '4.7.0', `Microsoft 365 link broken: re-link needed; ${why} (${code ?? status}: ${words})`),
  };
}

export function classifyMicrosoftError(err: unknown, now: number): MicrosoftFailure {
  if (!(err instanceof MicrosoftHttpError)) {
    const e = err as { name?: unknown; message?: unknown; cause?: { code?: unknown } };
    const code = typeof e?.cause?.code === 'string' ? `${e.cause.code} ` : e?.name === 'TimeoutError' ? 'timeout ' : '';
    const words = oneLine(typeof e?.message === 'string' ? e.message : String(err));
    return { kind: 'defer', reply: smtpReply(451, '4.4.1', `Microsoft 365 not reachable: ${code}${words}`) };
  }
  const { status } = err;
  const { code, text } = microsoftReason(err.data);
  const words = oneLine(text ?? err.message);
  if (DEAD_GRANT.has(code ?? '') || DEAD_MAILBOX.has(code ?? '')) return broken(status, code, words);
  if (status === 401)
    return { kind: 'unauthorized', reply: smtpReply(451, '4.7.0', `Graph refused the access token (401): ${words}`) };
  if (status === 403 && code === 'ErrorSendAsDenied')
    return {
      kind: 'defer',
      reply: smtpReply(451, '4.7.0', `Microsoft 365 refused the From (send-as not allowed): ${words}`),
    };
  if (status === 403) return broken(status, code, words);
  if (status === 429 || status >= 500) {
    const after = retryAfterMs(err.headers, now);
    const hint = after === undefined ? '' : `, retry after ${Math.ceil(after / 1000)} s`;
    const reply = smtpReply(
      451,
      '4.3.0',
      `Microsoft Graph answered ${status}${code ? ` ${code}` : ''}: ${words}${hint}`,
    );
    return { kind: 'defer', reply, ...(after !== undefined ? { retryAfterMs: after } : {}) };
  }
  if (status === 413)
    return { kind: 'bounce', reply: smtpReply(552, '5.3.4', `Microsoft 365 refused the message as too big: ${words}`) };
  if (status === 400)
    return {
      kind: 'bounce',
      reply: smtpReply(554, '5.6.0', `Microsoft 365 refused the message (400${code ? ` ${code}` : ''}): ${words}`),
    };
  return { kind: 'defer', reply: smtpReply(451, '4.3.0', `Microsoft Graph answered ${status}: ${words}`) };
}
