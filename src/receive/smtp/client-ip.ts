/**
 * Client addresses as we log and count them: an IPv4 client of a dual-stack listener is
 * reported as `::ffff:a.b.c.d`; we use the plain IPv4 form everywhere.
 */
export function normalizeIp(address: string): string {
  const trimmed = address.trim();
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(trimmed);
  return mapped?.[1] ?? trimmed.toLowerCase();
}
