/** `Tue, 01 Jul 2025 09:05:00 +0000`: RFC 5322 date-time in UTC (not the obsolete "GMT"). */
export function rfc5322Date(ms: number): string {
  return new Date(ms).toUTCString().replace(/GMT$/, '+0000');
}
