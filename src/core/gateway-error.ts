import type { SmtpReply } from './smtp-reply.js';

/**
 * Errors that are not SMTP replies carry a stable string code, so that callers and tests
 * match on the code and never on the wording. Two errors stay classes of their own because
 * they are answers, not failures: SmtpError (smtp-server writes its `responseCode` to the
 * socket) and the admin API's ApiError (an HTTP status and body, which GatewayErrors map to).
 */
export type GatewayErrorCode =
  | 'E_CONFIG'
  | 'E_INVALID'
  | 'E_NOT_FOUND'
  | 'E_CONFLICT'
  | 'E_STORAGE'
  | 'E_STORAGE_FULL'
  | 'E_TENANT_UNKNOWN'
  | 'E_TENANT_EXISTS'
  /** A name (forwarding local part, domain) is taken or reserved; the answer never says which, nor by whom. */
  | 'E_NOT_AVAILABLE'
  | 'E_MESSAGE_UNKNOWN'
  | 'E_TLS'
  | 'E_TRANSPORT'
  /** A listener could not bind its address (port in use, or below 1024 without the right). */
  | 'E_LISTEN'
  /** A sealed secret could not be opened: wrong key, wrong context, or tampered with. */
  | 'E_SECRET'
  /** Delivery must wait for the tenant (Gmail not linked, own server untested); the error's reply says why. */
  | 'E_DEFERRED'
  /** A DKIM key could not be generated, parsed, or has the wrong type. */
  | 'E_DKIM_KEY'
  /** Signing failed; the message must not be sent unsigned. */
  | 'E_DKIM_SIGN'
  /** The signing pool is closed or a worker failed. */
  | 'E_DKIM_POOL'
  /** A recipient domain's TLS policy (MTA-STS, DANE) could not be fetched or looked up. */
  | 'E_TLS_POLICY'
  /**
   * Failures of our SMTP client and of the egress guard keep nodemailer's names: classify reads them, and the message
   * log's lines show them ("ETIMEDOUT: send timed out after 500 ms"), so they stay as they were.
   */
  | 'ECONNECTION'
  | 'ETIMEDOUT'
  | 'EPROTOCOL'
  | 'ETLS'
  | 'EAUTH'
  | 'EENVELOPE'
  | 'ETARGET'
  | 'ENOTFOUND'
  | 'EDNS';

export interface GatewayErrorOptions {
  readonly cause?: unknown;
  /** The reply a delivery gives its recipients when this error stops it (DKIM key missing: `451 4.7.5 ...`). */
  readonly reply?: SmtpReply;
}

export class GatewayError extends Error {
  readonly code: GatewayErrorCode;
  declare readonly reply?: SmtpReply;

  constructor(code: GatewayErrorCode, message: string, options?: GatewayErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    if (options?.reply !== undefined) this.reply = options.reply;
  }
}

export function isGatewayError(err: unknown, code?: GatewayErrorCode): err is GatewayError {
  return err instanceof GatewayError && (code === undefined || err.code === code);
}
