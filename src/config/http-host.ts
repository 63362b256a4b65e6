import { isIP } from 'node:net';
import type { Config } from './schema.js';

/**
 * The address the HTTP listener binds to. Unset, capture mode keeps it on loopback: the
 * dev mailbox shows every captured message, so it must not be reachable from the network
 * by default. Other modes bind every interface, as before.
 */
export function httpHostOf(config: Pick<Config, 'http' | 'delivery'>): string {
  if (config.http.host !== null) return config.http.host;
  return config.delivery.mode === 'capture' ? '127.0.0.1' : '0.0.0.0';
}

/** 127.0.0.0/8, ::1, their IPv4-mapped form, and `localhost`: only this machine can reach it. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const bare = address.toLowerCase().replace(/^\[|\]$/g, '');
  if (bare === 'localhost' || bare === '::1') return true;
  const v4 = bare.startsWith('::ffff:') ? bare.slice(7) : bare;
  return isIP(v4) === 4 && v4.startsWith('127.');
}
