import { GatewayError } from '../core/gateway-error.js';
import type { SignPool } from './sign-pool.js';

/**
 * A sign pool whose worker threads start on the first signature. Each worker is a V8 isolate
 * (~25 MiB); a gateway that never signs (no platform domain, no verified tenant domain) should
 * not carry them. Once started the pool stays up until close().
 */
export function lazySignPool(size: number, create: () => SignPool): SignPool {
  let pool: SignPool | undefined;
  let closed = false;
  return {
    size,
    sign(raw, keys, options) {
      if (closed) return Promise.reject(new GatewayError('E_DKIM_POOL', 'sign pool is closed'));
      pool ??= create();
      return pool.sign(raw, keys, options);
    },
    async close() {
      closed = true;
      await pool?.close();
    },
  };
}
