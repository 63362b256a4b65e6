/**
 * DKIM key records and DMARC records are tag lists: `v=DKIM1; k=rsa; p=...`
 * (RFC 6376 3.2). Pure helpers shared by the checks.
 */

/** Tags by lower-case name; values trimmed. A later duplicate does not override the first. */
export function parseTagList(value: string): Map<string, string> {
  const tags = new Map<string, string>();
  for (const part of value.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim().toLowerCase();
    if (name !== '' && !tags.has(name)) tags.set(name, part.slice(eq + 1).trim());
  }
  return tags;
}

/** Quote marks and backslashes never belong in these values: they were pasted in with them. */
export function hasPastedQuotes(value: string): boolean {
  return /["\\]/.test(value);
}

/** The value with pasted quotes, escapes and the `" "` between quoted pieces removed. */
export function withoutQuotes(value: string): string {
  return value.replace(/"\s*"/g, '').replace(/["\\]/g, '').trim();
}

/** Base64 in DNS may carry spaces (folded by the provider); they do not count. */
export function compact(value: string): string {
  return value.replace(/\s+/g, '');
}
