import { BlockList, isIP } from 'node:net';

/**
 * Client addresses as we log and compare them: an IPv4 client of a dual-stack listener is
 * reported as `::ffff:a.b.c.d`; we use the plain IPv4 form everywhere.
 */
export function normalizeIp(address: string): string {
  const trimmed = address.trim();
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(trimmed);
  return mapped?.[1] ?? trimmed.toLowerCase();
}

/**
 * True when `address` is one of `entries` (exact IPs or CIDR ranges, IPv4 or IPv6).
 * node:net's BlockList matches IPv4-mapped IPv6 against IPv4 rules and back, so
 * `::ffff:127.0.0.1` matches `127.0.0.0/8`. Entries that do not parse match nothing.
 */
export function ipInList(address: string, entries: readonly string[]): boolean {
  const ip = normalizeIp(address);
  const family = isIP(ip);
  if (family === 0) return false;
  const list = new BlockList();
  for (const entry of entries) addEntry(list, entry);
  return list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}

function addEntry(list: BlockList, entry: string): void {
  const [rawIp = '', rawPrefix] = entry.trim().split('/');
  const ip = normalizeIp(rawIp);
  const family = isIP(ip);
  if (family === 0) return;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (rawPrefix === undefined) {
    list.addAddress(ip, type);
    return;
  }
  // `::ffff:10.0.0.0/104` was normalised to IPv4 above, so its prefix loses the 96 mapped bits.
  const mappedV4 = family === 4 && isIP(rawIp.trim()) === 6;
  const prefix = Number(rawPrefix) - (mappedV4 ? 96 : 0);
  const max = family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(rawPrefix) || prefix < 0 || prefix > max) return;
  list.addSubnet(ip, prefix, type);
}
