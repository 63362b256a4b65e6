/**
 * Follows a domain's SPF record through its includes to count DNS-querying terms (receivers
 * give up after 10: RFC 7208 4.6.4) and to see whether the platform is permitted, by our
 * include or by the platform's addresses. A static walk, not a full SPF evaluation: terms
 * after `all` are skipped, macros are not expanded, `a`/`mx` are counted but not resolved.
 */
import { BlockList, isIP } from 'node:net';
import { lookupTxt, type DnsLookup } from './dns-lookup.js';
import { isSpfRecord, LOOKUP_TERMS, normaliseDomain, parseSpf, type SpfTerm } from './spf-terms.js';

export const SPF_LOOKUP_LIMIT = 10;
/** Bounds of the walk, so a hostile or looping record cannot make us query forever. */
const MAX_DEPTH = 10;
const MAX_FETCHES = 25;

export interface SpfWalk {
  /** DNS-querying terms counted; stops growing once past the limit. */
  readonly lookups: number;
  readonly permitsPlatform: boolean;
  /** Included domains (other than the platform's) without exactly one SPF record. */
  readonly brokenIncludes: readonly string[];
  /** Set when an include could not be fetched (SERVFAIL, timeout): the count may be low. */
  readonly failedCode: string | null;
}

interface WalkState {
  lookups: number;
  fetches: number;
  reachedPlatform: boolean;
  failedCode: string | null;
  readonly visited: Set<string>;
  readonly broken: string[];
  readonly permitted: BlockList;
}

interface WalkContext {
  readonly dns: DnsLookup;
  readonly platform: string;
}

export async function walkSpf(
  dns: DnsLookup,
  record: string,
  platformInclude: string,
  platformIps: readonly string[] = [],
): Promise<SpfWalk> {
  const state: WalkState = {
    lookups: 0,
    fetches: 0,
    reachedPlatform: false,
    failedCode: null,
    visited: new Set(),
    broken: [],
    permitted: new BlockList(),
  };
  await visit({ dns, platform: normaliseDomain(platformInclude) }, state, record, 0, true);
  const ipsPermitted = platformIps.length > 0 && platformIps.every((ip) => isPermitted(state.permitted, ip));
  return {
    lookups: state.lookups,
    permitsPlatform: state.reachedPlatform || ipsPermitted,
    brokenIncludes: state.broken,
    failedCode: state.failedCode,
  };
}

/** `passing`: every include on the way here had the `+` qualifier, so a match here permits. */
async function visit(
  ctx: WalkContext,
  state: WalkState,
  record: string,
  depth: number,
  passing: boolean,
): Promise<void> {
  for (const term of effectiveTerms(parseSpf(record))) {
    if (LOOKUP_TERMS.has(term.name)) state.lookups++;
    if (state.lookups > SPF_LOOKUP_LIMIT) return;
    const termPasses = passing && term.qualifier === '+';
    if (termPasses) permitRange(state.permitted, term);
    if ((term.name === 'include' || term.name === 'redirect') && term.value !== null) {
      await follow(ctx, state, normaliseDomain(term.value), depth, termPasses);
    }
  }
}

async function follow(
  ctx: WalkContext,
  state: WalkState,
  target: string,
  depth: number,
  passes: boolean,
): Promise<void> {
  const isPlatform = target === ctx.platform;
  if (isPlatform && passes) state.reachedPlatform = true;
  // Macros (%{i}...) depend on the sender; loops and repeats are walked once.
  if (target.includes('%') || state.visited.has(target)) return;
  state.visited.add(target);
  if (depth >= MAX_DEPTH || state.fetches >= MAX_FETCHES) {
    state.failedCode ??= 'ETOODEEP';
    return;
  }
  state.fetches++;
  const outcome = await lookupTxt(ctx.dns, target);
  if (outcome.kind === 'failed') {
    state.failedCode ??= outcome.code;
    return;
  }
  const spf = outcome.kind === 'found' ? outcome.records.map((s) => s.join('')).filter(isSpfRecord) : [];
  const [only] = spf;
  if (only === undefined || spf.length > 1) {
    if (!isPlatform) state.broken.push(target);
    return;
  }
  await visit(ctx, state, only, depth + 1, passes);
}

/** Terms up to the first `all`; `redirect=` only counts when there is no `all` (RFC 7208 6.1). */
function effectiveTerms(terms: readonly SpfTerm[]): SpfTerm[] {
  const allAt = terms.findIndex((t) => t.kind === 'mechanism' && t.name === 'all');
  if (allAt < 0) return terms.filter((t) => t.kind === 'mechanism' || t.name === 'redirect');
  return terms.slice(0, allAt + 1).filter((t) => t.kind === 'mechanism');
}

function permitRange(list: BlockList, term: SpfTerm): void {
  if ((term.name !== 'ip4' && term.name !== 'ip6') || term.value === null) return;
  const slash = term.value.indexOf('/');
  const address = slash < 0 ? term.value : term.value.slice(0, slash);
  const family = term.name === 'ip4' ? 'ipv4' : 'ipv6';
  const prefix = slash < 0 ? (family === 'ipv4' ? 32 : 128) : Number(term.value.slice(slash + 1));
  if (isIP(address) !== (family === 'ipv4' ? 4 : 6) || !Number.isInteger(prefix)) return;
  try {
    list.addSubnet(address, prefix, family);
  } catch {
    // An out-of-range prefix is the tenant's typo; it permits nothing.
  }
}

function isPermitted(list: BlockList, ip: string): boolean {
  const family = isIP(ip);
  return family !== 0 && list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}
