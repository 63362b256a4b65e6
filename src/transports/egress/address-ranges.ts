import { inRange, parseIp, parseIpRange, type IpRange } from '../../core/ip-match.js';

/**
 * Which IP addresses are not "somewhere on the internet": the ranges an outbound connection
 * made on a tenant's behalf must never reach unless the operator allows them. Pure data and
 * byte checks; target-guard.ts adds DNS and the operator's allow-list.
 */
type Named = readonly [range: IpRange, reason: string];

function ranges(entries: ReadonlyArray<readonly [string, string]>): Named[] {
  return entries.map(([cidr, reason]) => {
    const range = parseIpRange(cidr);
    if (!range) throw new Error(`bad built-in range ${cidr}`);
    return [range, reason] as const;
  });
}

/** Most specific first: the first match names the reason. */
const V4 = ranges([
  ['169.254.169.254/32', 'cloud metadata'],
  ['0.0.0.0/8', 'unspecified'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'carrier-grade NAT'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'reserved'],
  ['192.0.2.0/24', 'documentation'],
  ['192.88.99.0/24', 'reserved'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'reserved'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['224.0.0.0/4', 'multicast'],
  ['255.255.255.255/32', 'broadcast'],
  ['240.0.0.0/4', 'reserved'],
]);

/** Inside 2000::/3 (the only global unicast space): the parts that are not. */
const V6_GLOBAL_EXCEPTIONS = ranges([
  ['2001:db8::/32', 'documentation'],
  ['3fff::/20', 'documentation'],
  // IETF protocol assignments, Teredo (2001::/32) and ORCHID among them
  ['2001::/23', 'reserved'],
]);

const V6_OUTSIDE_GLOBAL = ranges([
  ['fd00:ec2::254/128', 'cloud metadata'],
  ['::1/128', 'loopback'],
  ['::/128', 'unspecified'],
  ['fc00::/7', 'private'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'link-local'],
  ['ff00::/8', 'multicast'],
  ['64:ff9b:1::/48', 'private'],
]);

const GLOBAL_UNICAST = parseIpRange('2000::/3')!;
const SIX_TO_FOUR = parseIpRange('2002::/16')!;
const NAT64 = parseIpRange('64:ff9b::/96')!;
const V4_COMPATIBLE = parseIpRange('::/96')!;

function firstMatch(ip: Uint8Array, list: readonly Named[]): string | undefined {
  return list.find(([range]) => inRange(ip, range))?.[1];
}

/** The IPv4 address an IPv6 address carries and is routed to (6to4, NAT64, IPv4-compatible). */
export function embeddedV4(ip: Uint8Array): Uint8Array | undefined {
  if (ip.length !== 16) return undefined;
  if (inRange(ip, SIX_TO_FOUR)) return ip.slice(2, 6);
  if (inRange(ip, NAT64) || inRange(ip, V4_COMPATIBLE)) return ip.slice(12, 16);
  return undefined;
}

/**
 * Why `ip` (from parseIp: IPv4-mapped already reduced to 4 bytes) is not a public unicast
 * address, or undefined when it is. IPv6 is refused outside 2000::/3, where nothing public lives.
 */
export function nonPublicReason(ip: Uint8Array): string | undefined {
  if (ip.length === 4) return firstMatch(ip, V4);
  const special = firstMatch(ip, V6_OUTSIDE_GLOBAL);
  if (special) return special;
  const inner = embeddedV4(ip);
  // ::/96 also holds :: and ::1, matched above; the rest carry an IPv4 address to check
  if (inner) return nonPublicReason(inner);
  if (!inRange(ip, GLOBAL_UNICAST)) return 'reserved';
  return firstMatch(ip, V6_GLOBAL_EXCEPTIONS);
}

export { parseIp };
