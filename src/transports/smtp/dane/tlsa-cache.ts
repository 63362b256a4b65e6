import type { TlsaLookup } from './tlsa-lookup.js';

/**
 * TLSA answers per MX host, so that a busy mail host costs one lookup per TTL rather than one
 * per message: records for their TTL (at most an hour), "none" for a few minutes, a failure
 * briefly (a resolver that is down would otherwise hold every message up to its timeout).
 */
const MAX_RECORDS_S = 3600;
const NONE_MS = 5 * 60_000;
const FAIL_MS = 30_000;
const MAX_HOSTS = 10_000;

export function cachedTlsa(
  lookup: (mxHost: string) => Promise<TlsaLookup>,
  clock: () => number = Date.now,
): (mxHost: string) => Promise<TlsaLookup> {
  const cache = new Map<string, { readonly answer: Promise<TlsaLookup>; until: number }>();

  function keep(answer: TlsaLookup, now: number): number {
    if (answer.kind === 'records') return now + Math.min(answer.ttl ?? 0, MAX_RECORDS_S) * 1000;
    return now + (answer.kind === 'none' ? NONE_MS : FAIL_MS);
  }

  return (mxHost) => {
    const key = mxHost.toLowerCase().replace(/\.$/, '');
    const now = clock();
    const hit = cache.get(key);
    if (hit !== undefined && hit.until > now) return hit.answer;
    // in flight: later messages for the host wait for the same answer
    const entry = { answer: lookup(key), until: Number.POSITIVE_INFINITY };
    cache.delete(key);
    cache.set(key, entry);
    if (cache.size > MAX_HOSTS) cache.delete(cache.keys().next().value!);
    void entry.answer.then((answer) => {
      entry.until = keep(answer, clock());
    });
    return entry.answer;
  };
}
