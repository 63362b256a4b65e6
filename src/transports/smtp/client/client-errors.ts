import { GatewayError, type GatewayErrorCode } from '../../../core/gateway-error.js';
import type { ServerReply } from './reply-parser.js';

/**
 * Errors of our SMTP client are GatewayErrors with a stable `code`. When a reply caused one it
 * is the error's `reply`, and `responseCode`/`response` mirror it in nodemailer's names, which
 * `classify` and `describe` in classify-error.ts read (EAUTH and ETLS defer even on a 5xx reply).
 */
export type ClientErrorCode = Extract<
  GatewayErrorCode,
  'ECONNECTION' | 'ETIMEDOUT' | 'EPROTOCOL' | 'ETLS' | 'EAUTH' | 'EENVELOPE'
>;

export type ClientError = GatewayError & {
  readonly code: ClientErrorCode;
  readonly responseCode?: number;
  readonly response?: string;
  /** The reply that caused it, typed and as received. */
  readonly reply?: ServerReply;
};

export function clientError(code: ClientErrorCode, message: string, reply?: ServerReply): ClientError {
  const err = new GatewayError(code, message, reply === undefined ? undefined : { reply });
  return (
    reply === undefined ? err : Object.assign(err, { responseCode: reply.code, response: reply.response })
  ) as ClientError;
}

/** A failure of the transport under the session (socket or TLS), as opposed to a reply. */
export function closedError(): ClientError {
  return clientError('ECONNECTION', 'Connection closed unexpectedly');
}

/** Node's socket errors name their system call; certificate and handshake errors do not. */
export function isSocketError(err: unknown): boolean {
  return typeof (err as { syscall?: unknown } | null)?.syscall === 'string';
}

/** A certificate or handshake failure, with Node's explanation ("self-signed certificate"). */
export function tlsError(err: unknown): ClientError {
  const message = err instanceof Error ? err.message : String(err);
  return Object.assign(clientError('ETLS', message), { cause: err });
}

/**
 * Marks a failure before the server took our session (refused, timed out or closed before
 * the greeting, a failed TLS handshake): nothing of the message reached that host, so direct
 * delivery may try the next mail host. A reply (a 421 greeting) is the host's answer: unmarked.
 */
export function markUnreached(err: Error): Error {
  if (typeof (err as { responseCode?: unknown }).responseCode === 'number') return err;
  return Object.assign(err, { unreached: true });
}

export function isUnreached(answer: unknown): boolean {
  return (answer as { unreached?: unknown } | null)?.unreached === true;
}
