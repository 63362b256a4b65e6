/**
 * DKIM verification with mailauth's verifier and an injected resolver: for tests, and for
 * the test-send of "check and activate".
 */
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import type { DnsLookup } from './dns-lookup.js';

/** mailauth's resolver shape: TXT answers as lists of character-strings. */
export type TxtResolver = (name: string, rrtype: string) => Promise<string[][]>;

export interface VerifiedSignature {
  readonly domain: string;
  readonly selector: string;
  /** e.g. `rsa-sha256`, `ed25519-sha256`. */
  readonly algo: string;
  /** `pass`, `fail`, `neutral`, `temperror`, `permerror`, `none`... */
  readonly status: string;
  /** mailauth's reason, e.g. "bad signature" or "body hash did not verify". */
  readonly comment: string | null;
}

/** mailauth's index.d.ts names these `algorithm`/`canonicalization`; at runtime they are `algo`/`format`. */
interface RuntimeDkimResult {
  readonly signingDomain?: string;
  readonly selector?: string;
  readonly algo?: string;
  readonly status?: { readonly result?: string; readonly comment?: string };
}

export async function verifyMessage(raw: Buffer, resolver: TxtResolver, now?: number): Promise<VerifiedSignature[]> {
  const result = await dkimVerify(raw, { resolver, ...(now === undefined ? {} : { curTime: new Date(now) }) });
  return result.results.map((r) => {
    const runtime = r as RuntimeDkimResult;
    return {
      domain: runtime.signingDomain ?? '',
      selector: runtime.selector ?? '',
      algo: runtime.algo ?? '',
      status: runtime.status?.result ?? 'none',
      comment: runtime.status?.comment ?? null,
    };
  });
}

/** Adapts a DnsLookup (e.g. `resolverFor("127.0.0.1:5353")`) to mailauth's resolver; TXT only. */
export function txtResolver(dns: DnsLookup): TxtResolver {
  return async (name, rrtype) => {
    if (rrtype.toUpperCase() === 'TXT') return dns.resolveTxt(name);
    throw Object.assign(new Error(`${rrtype} lookups are not supported here`), { code: 'ENOTIMP' });
  };
}
