/** Messages between the sign pool and its workers (structured-clone safe). */
import type { GatewayErrorCode } from '../core/gateway-error.js';
import type { SigningKey } from './signer.js';

/** The GatewayError codes of the DKIM part: a worker's failure crosses the thread boundary as one of these. */
export type DkimErrorCode = Extract<GatewayErrorCode, 'E_DKIM_KEY' | 'E_DKIM_SIGN' | 'E_DKIM_POOL'>;

export function isDkimCode(code: string): code is DkimErrorCode {
  return code === 'E_DKIM_KEY' || code === 'E_DKIM_SIGN' || code === 'E_DKIM_POOL';
}

export interface SignRequest {
  readonly id: number;
  readonly raw: Uint8Array;
  readonly keys: readonly SigningKey[];
  readonly signedAt: number;
}

export type SignResponse =
  | { readonly id: number; readonly ok: true; readonly signed: Uint8Array }
  | { readonly id: number; readonly ok: false; readonly code: DkimErrorCode; readonly message: string };

/**
 * A view that owns its whole ArrayBuffer, so it can be transferred instead of copied.
 * Node's small Buffers are slices of a shared 8 KB pool: transferring that pool would
 * detach every other Buffer in it, so those are copied (tightly) first.
 */
export function ownedView(buf: Uint8Array): Uint8Array {
  const owns = buf.byteOffset === 0 && buf.buffer.byteLength === buf.byteLength && buf.buffer instanceof ArrayBuffer;
  return owns ? buf : new Uint8Array(buf);
}

export function asBuffer(view: Uint8Array): Buffer {
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}
