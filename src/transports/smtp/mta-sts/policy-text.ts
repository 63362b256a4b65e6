/**
 * The two texts of MTA-STS (RFC 8461): the `_mta-sts.<domain>` TXT record, which says a policy
 * exists and its id, and the policy file served over HTTPS.
 */

export type StsMode = 'enforce' | 'testing' | 'none';

export interface StsPolicy {
  readonly mode: StsMode;
  /** MX patterns, lower case: `mail.example.com` or `*.example.net` (one label). */
  readonly mx: readonly string[];
  /** Seconds the policy may be cached. */
  readonly maxAge: number;
  /** The policy text as served, for TLS reports (`policy-string`, one entry per line). */
  readonly lines: readonly string[];
}

/** RFC 8461 3.2: max_age is at most 31557600 seconds (about a year). */
const MAX_AGE_LIMIT = 31_557_600;
/** A policy file larger than this is refused (RFC 8461 3.3 suggests 64 KiB). */
export const MAX_POLICY_BYTES = 64 * 1024;

/** The `id` of a `v=STSv1` TXT record, or undefined when the record is not one. */
export function stsRecordId(txt: string): string | undefined {
  const fields = txt.split(';').map((f) => f.trim());
  if (fields[0]?.replace(/\s/g, '') !== 'v=STSv1') return undefined;
  const id = fields.find((f) => f.startsWith('id='))?.slice(3);
  return id !== undefined && /^[A-Za-z0-9]{1,32}$/.test(id) ? id : undefined;
}

/** The one STSv1 record's id among a name's TXT records; more than one (or none) is no policy (RFC 8461 3.1). */
export function stsIdOf(records: readonly (readonly string[])[]): string | undefined {
  const ids = records.map((chunks) => chunks.join('')).filter((t) => t.startsWith('v=STSv1'));
  return ids.length === 1 ? stsRecordId(ids[0]!) : undefined;
}

/** The policy file's fields; undefined when it is not a valid STSv1 policy. */
export function parsePolicy(text: string): StsPolicy | undefined {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const values = new Map<string, string[]>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    values.set(key, [...(values.get(key) ?? []), line.slice(colon + 1).trim()]);
  }
  const mode = values.get('mode')?.[0];
  const maxAge = Number(values.get('max_age')?.[0]);
  if (values.get('version')?.[0] !== 'STSv1') return undefined;
  if (mode !== 'enforce' && mode !== 'testing' && mode !== 'none') return undefined;
  if (!Number.isInteger(maxAge) || maxAge < 0) return undefined;
  const mx = (values.get('mx') ?? []).map((m) => m.toLowerCase().replace(/\.$/, ''));
  if (mode !== 'none' && mx.length === 0) return undefined;
  return { mode, mx, maxAge: Math.min(maxAge, MAX_AGE_LIMIT), lines };
}

/** RFC 8461 4.1: an MX host name matches a pattern exactly, or `*.` matches one leftmost label. */
export function mxMatches(policy: Pick<StsPolicy, 'mx'>, host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return policy.mx.some((pattern) => {
    if (!pattern.startsWith('*.')) return pattern === name;
    const dot = name.indexOf('.');
    return dot > 0 && name.slice(dot + 1) === pattern.slice(2);
  });
}
