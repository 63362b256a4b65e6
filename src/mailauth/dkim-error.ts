/**
 * Errors of the DKIM part carry a stable code, like GatewayError does. They live here and
 * not in core/gateway-error.ts because that union is shared; when the lead adds these codes
 * to GatewayErrorCode this class can become a GatewayError.
 */
export type DkimErrorCode =
  /** A key could not be generated, parsed, or has the wrong type. */
  | 'E_DKIM_KEY'
  /** Signing failed; the message must not be sent unsigned. */
  | 'E_DKIM_SIGN'
  /** The signing pool is closed or a worker failed. */
  | 'E_DKIM_POOL';

export class DkimError extends Error {
  readonly code: DkimErrorCode;

  constructor(code: DkimErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DkimError';
    this.code = code;
  }
}

export function isDkimError(err: unknown, code?: DkimErrorCode): err is DkimError {
  return err instanceof DkimError && (code === undefined || err.code === code);
}
