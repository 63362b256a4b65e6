/**
 * DNS as the checks see it: an injectable lookup, so tests point it at their own DNS server
 * on 127.0.0.1 and production at the system resolver or a configured host:port.
 */
import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';

export interface DnsLookup {
  /** Every TXT record at the name, each as its list of character-strings. */
  resolveTxt(name: string): Promise<string[][]>;
  resolveCname?(name: string): Promise<string[]>;
  /** For the platform's own records (MX of the inbound, the HELO name and its reverse); absent in tenant checks. */
  resolveMx?(name: string): Promise<Array<{ exchange: string; priority: number }>>;
  resolve4?(name: string): Promise<string[]>;
  resolve6?(name: string): Promise<string[]>;
  reverse?(ip: string): Promise<string[]>;
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
    resolveMx: (name) => resolver.resolveMx(name),
    resolve4: (name) => resolver.resolve4(name),
    resolve6: (name) => resolver.resolve6(name),
    // A PTR question to the DNS server itself: c-ares' reverse() answers from /etc/hosts first.
    reverse: (ip) => resolver.resolvePtr(ptrName(ip)),
  };
}

/** The PTR name of an address: `1.0.0.127.in-addr.arpa`, or the nibbles of an IPv6 address under `ip6.arpa`. */
export function ptrName(ip: string): string {
  if (isIP(ip) === 4) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
  const [head = '', tail = ''] = ip.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const given = [...groups(head), ...groups(tail)];
  const full = ip.includes('::')
    ? [...groups(head), ...Array<string>(8 - given.length).fill('0'), ...groups(tail)]
    : groups(ip);
  const nibbles = full.map((g) => g.padStart(4, '0')).join('');
  return `${[...nibbles].reverse().join('.')}.ip6.arpa`;
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

type Optional = 'resolveMx' | 'resolve4' | 'resolve6' | 'reverse';
type Answer<K extends Optional> = Awaited<ReturnType<Required<DnsLookup>[K]>>;

/** A lookup of one of the optional kinds; `failed` (ENOTIMP) when the resolver has none. */
export async function lookupOf<K extends Optional>(
  dns: DnsLookup,
  kind: K,
  name: string,
): Promise<LookupOutcome<Answer<K>>> {
  const query = dns[kind]?.bind(dns) as ((n: string) => Promise<Answer<K>>) | undefined;
  if (query === undefined) return { kind: 'failed', code: 'ENOTIMP' };
  return classify(() => query(name));
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
