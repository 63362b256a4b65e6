import { lookup, Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { type SmtpReply, smtpReply } from '../../core/smtp-reply.js';

/** The DNS lookups direct delivery needs; injected so that tests answer with 127.0.0.1. */
export interface MxResolver {
  resolveMx(domain: string): Promise<Array<{ exchange: string; priority: number }>>;
  resolve4(host: string): Promise<string[]>;
  resolve6(host: string): Promise<string[]>;
  /** TXT records (MTA-STS, TLS-RPT), each as its character-strings; MTA-STS and TLS-RPT are off without it. */
  resolveTxt?(name: string): Promise<string[][]>;
}

/** `node:dns/promises` lookups, against `server` ("host:port" or "host") when given. */
export function systemResolver(server?: string): MxResolver {
  const resolver = new Resolver({ timeout: 5_000, tries: 2 });
  if (server) resolver.setServers([server]);
  return {
    resolveMx: (domain) => resolver.resolveMx(domain),
    resolve4: (host) => resolver.resolve4(host),
    resolve6: (host) => resolver.resolve6(host),
    resolveTxt: (name) => resolver.resolveTxt(name),
  };
}

/**
 * Address lookups for a host a tenant named: against `server` when given, else the operating
 * system's resolver (getaddrinfo, /etc/hosts included), as a plain connect would have used.
 */
export function hostResolver(server?: string): Pick<MxResolver, 'resolve4' | 'resolve6'> {
  if (server) return systemResolver(server);
  const family = async (host: string, which: 4 | 6): Promise<string[]> =>
    (await lookup(host, { all: true, family: which })).map((a) => a.address);
  return { resolve4: (host) => family(host, 4), resolve6: (host) => family(host, 6) };
}

/** One address to try, with the MX host name it came from (for the log and `nextHop`). */
export interface MxTarget {
  readonly name: string;
  readonly address: string;
}

export type MxPlan =
  | { readonly kind: 'targets'; readonly targets: readonly MxTarget[] }
  | { readonly kind: 'fail'; readonly outcome: 'deferred' | 'bounced'; readonly reply: SmtpReply };

/** Postfix tries at most 5 addresses per attempt (smtp_mx_address_limit); we allow a few more. */
const MAX_TARGETS = 10;

/** "Name does not exist" and "no record of that type" are answers; anything else may pass. */
function isDefinite(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ENOTFOUND' || code === 'ENODATA';
}

function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : String(err);
}

type HostNames = { readonly names: string[] } | Extract<MxPlan, { kind: 'fail' }>;

async function mxHostNames(resolver: MxResolver, domain: string): Promise<HostNames> {
  let records: Array<{ exchange: string; priority: number }>;
  try {
    records = await resolver.resolveMx(domain);
  } catch (err) {
    const code = errorCode(err);
    // RFC 5321 5.1: no MX records → the domain itself is the implicit MX
    if (code === 'ENODATA') return { names: [domain] };
    if (code === 'ENOTFOUND')
      return { kind: 'fail', outcome: 'bounced', reply: smtpReply(550, '5.1.2', `Domain ${domain} does not exist`) };
    return {
      kind: 'fail',
      outcome: 'deferred',
      reply: smtpReply(451, '4.4.3', `MX lookup for ${domain} failed: ${code}`),
    };
  }
  if (records.length === 0) return { names: [domain] };
  const real = records.filter((r) => r.exchange !== '' && r.exchange !== '.');
  // RFC 7505: a null MX ("MX 0 .") says the domain accepts no mail at all
  if (real.length === 0)
    return {
      kind: 'fail',
      outcome: 'bounced',
      reply: smtpReply(556, '5.1.10', `Domain ${domain} does not accept mail (null MX)`),
    };
  // stable sort: equal preferences keep the resolver's order
  return { names: [...real].sort((a, b) => a.priority - b.priority).map((r) => r.exchange) };
}

async function addressesOf(resolver: MxResolver, name: string): Promise<{ addresses: string[]; temporary: boolean }> {
  if (isIP(name)) return { addresses: [name], temporary: false };
  // IPv4 first: IPv6 routes are the ones that are more often broken on servers
  const [v4, v6] = await Promise.allSettled([resolver.resolve4(name), resolver.resolve6(name)]);
  const addresses = [v4, v6].flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
  const temporary = [v4, v6].some((r) => r.status === 'rejected' && !isDefinite(r.reason));
  return { addresses, temporary };
}

/** `[192.0.2.1]` / `[IPv6:2001:db8::1]` address literals need no lookup. */
function addressLiteral(domain: string): string | undefined {
  const match = /^\[(?:ipv6:)?([^\]]+)\]$/i.exec(domain);
  return match?.[1] !== undefined && isIP(match[1]) ? match[1] : undefined;
}

/**
 * Where mail for `domain` goes: MX hosts by preference (or the domain's own A/AAAA when it
 * has no MX), each host's addresses in turn. A missing domain or a null MX bounces; a DNS
 * failure that may pass defers.
 */
export async function resolveTargets(resolver: MxResolver, domain: string): Promise<MxPlan> {
  const literal = addressLiteral(domain);
  if (literal) return { kind: 'targets', targets: [{ name: domain, address: literal }] };
  const ascii = domainToASCII(domain) || domain;
  const hosts = await mxHostNames(resolver, ascii);
  if ('kind' in hosts) return hosts;
  const targets: MxTarget[] = [];
  let temporary = false;
  for (const name of hosts.names) {
    if (targets.length >= MAX_TARGETS) break;
    const found = await addressesOf(resolver, name);
    temporary ||= found.temporary;
    for (const address of found.addresses) targets.push({ name, address });
  }
  if (targets.length > 0) return { kind: 'targets', targets: targets.slice(0, MAX_TARGETS) };
  if (temporary)
    return {
      kind: 'fail',
      outcome: 'deferred',
      reply: smtpReply(451, '4.4.3', `Address lookup for the mail hosts of ${ascii} failed`),
    };
  return {
    kind: 'fail',
    outcome: 'bounced',
    reply: smtpReply(550, '5.4.4', `No address found for the mail hosts of ${ascii}`),
  };
}
