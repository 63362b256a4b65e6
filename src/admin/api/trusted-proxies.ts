import { inRange, parseIp, parseIpRange, type IpRange } from '../../core/ip-match.js';

/**
 * Express's `trust proxy` setting from the operator's list of reverse proxies (IPs and CIDR
 * ranges). With it, `req.ip` is the right-most address in X-Forwarded-For that is not one of
 * our proxies: the client as our own proxy saw it. Addresses left of that were written by
 * the client and could be anything. An empty list trusts nobody, so X-Forwarded-For is
 * ignored and `req.ip` is the socket peer: a client cannot spoof its way out of a throttle.
 */
export function trustProxySetting(entries: readonly string[]): false | ((address: string, hop: number) => boolean) {
  const ranges = entries.map(parseIpRange).filter((r): r is IpRange => r !== undefined);
  if (ranges.length === 0) return false;
  return (address) => {
    const ip = parseIp(address);
    return ip !== undefined && ranges.some((range) => inRange(ip, range));
  };
}
