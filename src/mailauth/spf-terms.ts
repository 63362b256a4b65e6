/**
 * SPF records as lists of terms (RFC 7208 section 4.6.1), for merging our include into a
 * tenant's record and for counting DNS lookups. Pure functions.
 */

export type SpfQualifier = '+' | '-' | '~' | '?';

export interface SpfTerm {
  /** The term as written, e.g. `~all`, `include:_spf.google.com`, `redirect=_spf.example.com`. */
  readonly raw: string;
  readonly kind: 'mechanism' | 'modifier';
  readonly qualifier: SpfQualifier;
  /** Lower-case name: `all`, `include`, `ip4`, `redirect`, ... */
  readonly name: string;
  /** What follows `:` or `=` (or `/cidr` for a/mx without domain), or null. */
  readonly value: string | null;
}

/** Mechanisms and modifiers that cost a DNS lookup (RFC 7208 section 4.6.4; limit 10). */
export const LOOKUP_TERMS: ReadonlySet<string> = new Set(['include', 'a', 'mx', 'ptr', 'exists', 'redirect']);

const SPF_VERSION = /^v=spf1(\s|$)/i;

export function isSpfRecord(value: string): boolean {
  return SPF_VERSION.test(value.trim());
}

/** The terms after `v=spf1`; assumes `isSpfRecord(value)`. */
export function parseSpf(value: string): SpfTerm[] {
  return value
    .trim()
    .split(/\s+/)
    .slice(1)
    .filter((t) => t !== '')
    .map(parseTerm);
}

function parseTerm(raw: string): SpfTerm {
  const modifier = /^([a-z][a-z0-9_.-]*)=(.*)$/i.exec(raw);
  if (modifier) {
    return { raw, kind: 'modifier', qualifier: '+', name: (modifier[1] ?? '').toLowerCase(), value: modifier[2] ?? '' };
  }
  const first = raw.charAt(0);
  const qualified = first === '+' || first === '-' || first === '~' || first === '?';
  const qualifier: SpfQualifier = qualified ? first : '+';
  const body = qualified ? raw.slice(1) : raw;
  const split = /^([a-z0-9]+)([:/].*)?$/i.exec(body);
  const name = (split?.[1] ?? body).toLowerCase();
  const rest = split?.[2];
  const value = rest === undefined ? null : rest.startsWith(':') ? rest.slice(1) : rest;
  return { raw, kind: 'mechanism', qualifier, name, value };
}

/** True when the record has a direct `include:<domain>` that passes (`+` qualifier). */
export function hasInclude(value: string, domain: string): boolean {
  const wanted = normaliseDomain(domain);
  return parseSpf(value).some(
    (t) =>
      t.kind === 'mechanism' &&
      t.name === 'include' &&
      t.qualifier === '+' &&
      t.value !== null &&
      normaliseDomain(t.value) === wanted,
  );
}

/**
 * Adds `include:<domain>` where it takes effect: before the `all` mechanism (anything after
 * `all` is never evaluated), else before `redirect=` (kept tidy: mechanisms before
 * modifiers), else at the end. Everything else is kept as written.
 */
export function addInclude(value: string, domain: string): string {
  if (hasInclude(value, domain)) return value.trim();
  const terms = parseSpf(value);
  const include = `include:${domain}`;
  let at = terms.findIndex((t) => t.kind === 'mechanism' && t.name === 'all');
  if (at < 0) at = terms.findIndex((t) => t.kind === 'modifier' && t.name === 'redirect');
  if (at < 0) at = terms.length;
  const raws = terms.map((t) => t.raw);
  raws.splice(at, 0, include);
  return ['v=spf1', ...raws].join(' ');
}

/**
 * One record out of several (two SPF records make every receiver fail SPF with permerror).
 * Keeps every distinct mechanism in order of appearance, the first `all` (or the first
 * `redirect=` when no record has `all`), the first `exp=`, and adds our include. With no
 * `all` and no `redirect=` at all, `~all` is added as a safe ending.
 */
export function mergeSpf(values: readonly string[], domain: string): string {
  const terms = values.flatMap(parseSpf);
  const seen = new Set<string>();
  const mechanisms: string[] = [];
  for (const t of terms) {
    if (t.kind !== 'mechanism' || t.name === 'all' || seen.has(t.raw.toLowerCase())) continue;
    seen.add(t.raw.toLowerCase());
    mechanisms.push(t.raw);
  }
  const all = terms.find((t) => t.kind === 'mechanism' && t.name === 'all');
  const redirect = terms.find((t) => t.kind === 'modifier' && t.name === 'redirect');
  const exp = terms.find((t) => t.kind === 'modifier' && t.name === 'exp');
  const ending = all ? [all.raw] : redirect ? [redirect.raw] : ['~all'];
  const merged = ['v=spf1', ...mechanisms, ...ending, ...(exp ? [exp.raw] : [])].join(' ');
  return addInclude(merged, domain);
}

export function normaliseDomain(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '');
}
