import { isIPv4, isIPv6 } from 'node:net';

/**
 * Pure IP and CIDR matching for tenant allow-lists. Addresses become byte arrays; an
 * IPv4-mapped IPv6 address (`::ffff:10.0.0.1`, as a dual-stack socket reports it) is
 * treated as the IPv4 address it carries, in addresses and in ranges alike.
 */
export interface IpRange {
  readonly bytes: Uint8Array;
  /** Number of leading bits that must match: 32 or 128 for a single address. */
  readonly prefix: number;
}

/** Parses `a.b.c.d`, `a.b.c.d/n`, an IPv6 address or `x::/n`; undefined when invalid. */
export function parseIpRange(entry: string): IpRange | undefined {
  const slash = entry.indexOf('/');
  const address = slash === -1 ? entry : entry.slice(0, slash);
  const bytes = parseIp(address);
  if (!bytes) return undefined;
  const full = bytes.length * 8;
  let prefix = full;
  if (slash !== -1) {
    const text = entry.slice(slash + 1);
    if (!/^\d{1,3}$/.test(text)) return undefined;
    prefix = Number(text);
    if (prefix > full && !(isMappedText(address) && prefix <= 128)) return undefined;
  }
  // A mapped range was written over 128 bits: shift its prefix to the IPv4 address.
  if (isMappedText(address) && slash !== -1) {
    if (prefix < 96) return undefined;
    prefix -= 96;
  }
  return { bytes, prefix };
}

/** True when `address` lies in the range `entry` (an IP or CIDR); false for anything invalid. */
export function ipMatches(address: string, entry: string): boolean {
  const ip = parseIp(address);
  const range = parseIpRange(entry);
  return ip !== undefined && range !== undefined && inRange(ip, range);
}

export function inRange(ip: Uint8Array, range: IpRange): boolean {
  if (ip.length !== range.bytes.length) return false;
  const whole = Math.floor(range.prefix / 8);
  for (let i = 0; i < whole; i++) if (ip[i] !== range.bytes[i]) return false;
  const rest = range.prefix % 8;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((ip[whole] ?? 0) & mask) === ((range.bytes[whole] ?? 0) & mask);
}

/** 4 bytes for IPv4 and IPv4-mapped IPv6, 16 for other IPv6; undefined when not an IP. */
export function parseIp(address: string): Uint8Array | undefined {
  if (isIPv4(address)) return Uint8Array.from(address.split('.').map(Number));
  if (!isIPv6(address) || address.includes('%')) return undefined;
  const bytes = ipv6Bytes(address);
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return mapped ? bytes.slice(12) : bytes;
}

function isMappedText(address: string): boolean {
  return isIPv6(address) && parseIp(address)?.length === 4;
}

/** Expands a valid IPv6 text (checked by isIPv6) into 16 bytes, dotted IPv4 tail included. */
function ipv6Bytes(address: string): Uint8Array {
  const [head = '', tail] = address.split('::');
  const toWords = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((w) => {
          if (!w.includes('.')) return [parseInt(w, 16)];
          const [a = 0, b = 0, c = 0, d = 0] = w.split('.').map(Number);
          return [(a << 8) | b, (c << 8) | d];
        });
  const left = toWords(head);
  const right = tail === undefined ? [] : toWords(tail);
  const words = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    out[i * 2] = w >> 8;
    out[i * 2 + 1] = w & 0xff;
  });
  return out;
}

/** True when `address` lies in any of `entries` (exact IPs or CIDR ranges). */
export function ipInList(address: string, entries: readonly string[]): boolean {
  return entries.some((entry) => ipMatches(address, entry));
}
