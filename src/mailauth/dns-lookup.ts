/**
 * DNS as the checks see it: an injectable lookup, so tests point it at their own DNS server
 * on 127.0.0.1 and production at the system resolver or a configured host:port.
 */
import { Resolver } from 'node:dns/promises';

export interface DnsLookup {
  /** Every TXT record at the name, each as its list of character-strings. */
  resolveTxt(name: string): Promise<string[][]>;
  resolveCname?(name: string): Promise<string[]>;
}

export interface ResolverOptions {
  /** Per-try timeout; c-ares doubles it on each retry. */
  readonly timeoutMs?: number;
  readonly tries?: number;
}

/**
 * A lookup on node:dns. `server` is an IP with optional port, `"127.0.0.1:5353"` or
 * `"[::1]:5353"` (what `Resolver.setServers` accepts; host names are not resolved here).
 * Without `server` the system's resolvers are used.
 */
export function resolverFor(server?: string, options: ResolverOptions = {}): Required<DnsLookup> {
  const resolver = new Resolver({ timeout: options.timeoutMs ?? 2000, tries: options.tries ?? 2 });
  if (server !== undefined) resolver.setServers([server]);
  return {
    resolveTxt: (name) => resolver.resolveTxt(name),
    resolveCname: (name) => resolver.resolveCname(name),
  };
}

/**
 * A lookup's outcome. `missing` is a definite answer (NXDOMAIN, or the name exists without
 * such records); `failed` means we do not know (SERVFAIL, timeout, refused), which must never
 * be reported to a tenant as "missing".
 */
export type LookupOutcome<T> =
  | { readonly kind: 'found'; readonly records: T }
  | { readonly kind: 'missing' }
  | { readonly kind: 'failed'; readonly code: string };

const MISSING_CODES: ReadonlySet<string> = new Set(['ENOTFOUND', 'ENODATA']);

export async function lookupTxt(dns: DnsLookup, name: string): Promise<LookupOutcome<string[][]>> {
  return classify(() => dns.resolveTxt(name));
}

export async function lookupCname(dns: DnsLookup, name: string): Promise<LookupOutcome<string[]>> {
  const resolveCname = dns.resolveCname?.bind(dns);
  if (resolveCname === undefined) return { kind: 'failed', code: 'ENOTIMP' };
  return classify(() => resolveCname(name));
}

async function classify<T extends readonly unknown[]>(query: () => Promise<T>): Promise<LookupOutcome<T>> {
  try {
    const records = await query();
    return records.length === 0 ? { kind: 'missing' } : { kind: 'found', records };
  } catch (err) {
    const code = errorCode(err);
    return MISSING_CODES.has(code) ? { kind: 'missing' } : { kind: 'failed', code };
  }
}

export function errorCode(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return 'EUNKNOWN';
}
