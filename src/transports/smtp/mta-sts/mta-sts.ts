import type { Logger } from '../../../core/logger.js';
import { fetchPolicyText, PolicyFetchError, type PolicyFetchOptions } from './policy-fetch.js';
import { parsePolicy, stsIdOf, type StsPolicy } from './policy-text.js';

/** What direct delivery to one domain must respect under MTA-STS. */
export type StsLookup =
  | { readonly kind: 'none' }
  | { readonly kind: 'policy'; readonly policy: StsPolicy }
  /** The domain announces a policy we could not get: delivery goes on opportunistically, the failure is reported. */
  | { readonly kind: 'fail'; readonly resultType: string; readonly detail: string };

export interface MtaStsOptions extends PolicyFetchOptions {
  readonly resolveTxt: (name: string) => Promise<string[][]>;
  readonly logger: Logger;
  readonly clock?: () => number;
}

export interface MtaSts {
  /** The policy for `domain` from the cache, or looked up (one lookup at a time per domain). */
  policyFor(domain: string): Promise<StsLookup>;
}

interface Cached {
  readonly id: string;
  readonly policy: StsPolicy;
  readonly expiresAt: number;
  /** When the TXT record was last seen with this id. */
  checkedAt: number;
}

/** The TXT record is looked at again after this long, so a new policy id is noticed within it. */
const RECHECK_MS = 60 * 60_000;
/** Domains kept; the oldest entry goes beyond it. */
const MAX_DOMAINS = 10_000;
/**
 * A domain without a policy, or whose policy could not be had, is asked again after this long: not per message
 * (a TXT lookup each, and a stalled policy server would hold every message up to the fetch timeout).
 */
const NEGATIVE_MS = 5 * 60_000;

const NONE: StsLookup = { kind: 'none' };

/** A policy in mode none says "no policy" (RFC 8461 5): it is cached, and applies nothing. */
const asLookup = (policy: StsPolicy): StsLookup => (policy.mode === 'none' ? NONE : { kind: 'policy', policy });

/**
 * MTA-STS (RFC 8461) for direct delivery: the TXT record says whether a domain has a policy
 * and its id; the policy is fetched over HTTPS when the id is new, then cached for its
 * max_age. A cached policy stays in force until it expires, even when the TXT record or the
 * web server goes away (5.1), so an attacker who blocks the fetch cannot switch it off.
 */
export function createMtaSts(opts: MtaStsOptions): MtaSts {
  const clock = opts.clock ?? Date.now;
  const cache = new Map<string, Cached>();
  const negative = new Map<string, { readonly lookup: StsLookup; readonly until: number }>();
  const inFlight = new Map<string, Promise<StsLookup>>();

  async function txtId(domain: string): Promise<string | undefined> {
    try {
      return stsIdOf(await opts.resolveTxt(`_mta-sts.${domain}`));
    } catch {
      return undefined; // no record, or DNS failing: the cache decides, as without a record
    }
  }

  async function refresh(domain: string, now: number): Promise<StsLookup> {
    const cached = cache.get(domain);
    const live = cached !== undefined && cached.expiresAt > now ? cached : undefined;
    const id = await txtId(domain);
    if (id === undefined || id === live?.id) {
      if (live !== undefined && id !== undefined) live.checkedAt = now;
      return live ? asLookup(live.policy) : NONE;
    }
    try {
      const policy = parsePolicy(await fetchPolicyText(domain, opts));
      if (policy === undefined) return failed(live, 'sts-policy-invalid', `mta-sts.${domain}: not an STSv1 policy`);
      remember(domain, { id, policy, expiresAt: now + policy.maxAge * 1000, checkedAt: now });
      return asLookup(policy);
    } catch (err) {
      const type = err instanceof PolicyFetchError ? err.resultType : 'sts-policy-fetch-error';
      opts.logger.warn({ domain, err }, 'MTA-STS policy could not be fetched');
      return failed(live, type, (err as Error).message);
    }
  }

  function failed(live: Cached | undefined, resultType: string, detail: string): StsLookup {
    return live ? asLookup(live.policy) : { kind: 'fail', resultType, detail };
  }

  function remember(domain: string, entry: Cached): void {
    cache.delete(domain);
    cache.set(domain, entry);
    if (cache.size > MAX_DOMAINS) cache.delete(cache.keys().next().value!);
  }

  function rememberNegative(domain: string, lookup: StsLookup, now: number): void {
    negative.delete(domain);
    negative.set(domain, { lookup, until: now + NEGATIVE_MS });
    if (negative.size > MAX_DOMAINS) negative.delete(negative.keys().next().value!);
  }

  function policyFor(domain: string): Promise<StsLookup> {
    const key = domain.toLowerCase();
    const now = clock();
    const cached = cache.get(key);
    if (cached !== undefined && cached.expiresAt > now && now - cached.checkedAt < RECHECK_MS)
      return Promise.resolve(asLookup(cached.policy));
    const known = negative.get(key);
    if (known !== undefined && known.until > now) return Promise.resolve(known.lookup);
    const pending = inFlight.get(key);
    if (pending !== undefined) return pending;
    const lookup = refresh(key, now)
      .then((found) => {
        if (found.kind === 'policy') negative.delete(key);
        else rememberNegative(key, found, now);
        return found;
      })
      .finally(() => inFlight.delete(key));
    inFlight.set(key, lookup);
    return lookup;
  }

  return { policyFor };
}
