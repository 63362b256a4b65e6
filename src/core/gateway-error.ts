/**
 * Errors that are not SMTP replies carry a stable string code, so that callers and tests
 * match on the code and never on the wording.
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
  | 'E_SECRET';

export class GatewayError extends Error {
  readonly code: GatewayErrorCode;

  constructor(code: GatewayErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GatewayError';
    this.code = code;
  }
}

export function isGatewayError(err: unknown, code?: GatewayErrorCode): err is GatewayError {
  return err instanceof GatewayError && (code === undefined || err.code === code);
}
