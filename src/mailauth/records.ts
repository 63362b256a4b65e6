/**
 * What a tenant must publish, in copy-paste form. Pure functions: the API layer adds the
 * domain-specific names and shows these to the tenant.
 */
import type { DkimAlgorithm } from './keys.js';
import { addInclude, hasInclude, isSpfRecord, mergeSpf } from './spf-terms.js';

export interface DnsRecord {
  readonly type: 'TXT' | 'CNAME';
  /** Fully qualified name, without trailing dot. */
  readonly name: string;
  readonly value: string;
  /** The value cut into 255-character strings, for providers that want them quoted separately. */
  readonly valueChunks: readonly string[];
}

/** TXT character-strings are at most 255 bytes (RFC 1035 3.3); our values are ASCII. */
export const TXT_CHUNK = 255;

export function txtChunks(value: string): string[] {
  const chunks: string[] = [];
  for (let at = 0; at < value.length; at += TXT_CHUNK) chunks.push(value.slice(at, at + TXT_CHUNK));
  return chunks.length > 0 ? chunks : [''];
}

export function dkimName(domain: string, selector: string): string {
  return `${selector}._domainkey.${domain}`;
}

export function dmarcName(domain: string): string {
  return `_dmarc.${domain}`;
}

export function dkimValue(key: { readonly algorithm: DkimAlgorithm; readonly publicKeyDnsValue: string }): string {
  return `v=DKIM1; k=${key.algorithm}; p=${key.publicKeyDnsValue}`;
}

export function dkimRecord(
  domain: string,
  selector: string,
  key: { readonly algorithm: DkimAlgorithm; readonly publicKeyDnsValue: string },
): DnsRecord {
  const value = dkimValue(key);
  return { type: 'TXT', name: dkimName(domain, selector), value, valueChunks: txtChunks(value) };
}

/**
 * A proposal for a TXT record at a name that may already hold one.
 * `create`: nothing there yet, add `value`. `replace`: change the existing record to `value`.
 * `keep`: already right, nothing to do. `merge`: several records where only one is allowed;
 * delete all of `current` and create one with `value` (`problem` says why).
 */
export interface TxtProposal {
  readonly action: 'create' | 'replace' | 'keep' | 'merge';
  readonly value: string;
  readonly valueChunks: readonly string[];
  /** The records found that this proposal is about (SPF or DMARC ones only). */
  readonly current: readonly string[];
  readonly problem: string | null;
}

function proposal(
  action: TxtProposal['action'],
  value: string,
  current: readonly string[],
  problem: string | null = null,
): TxtProposal {
  return { action, value, valueChunks: txtChunks(value), current, problem };
}

/**
 * The SPF record to publish at the domain, merged with what is there (a second SPF record
 * would break SPF for all of the tenant's mail). `existing` = all TXT values at the domain.
 */
export function spfRecord(existing: readonly string[], platformInclude: string): TxtProposal {
  const spf = existing.filter(isSpfRecord).map((v) => v.trim());
  const [only] = spf;
  if (only === undefined) return proposal('create', `v=spf1 include:${platformInclude} ~all`, spf);
  if (spf.length > 1) {
    return proposal(
      'merge',
      mergeSpf(spf, platformInclude),
      spf,
      `There are ${spf.length} SPF records; only one is allowed, so receivers ignore all of them.`,
    );
  }
  if (hasInclude(only, platformInclude)) return proposal('keep', only, spf);
  return proposal('replace', addInclude(only, platformInclude), spf);
}

const DMARC_VERSION = /^v=DMARC1\s*(;|$)/i;

export function isDmarcRecord(value: string): boolean {
  return DMARC_VERSION.test(value.trim());
}

/**
 * DMARC at `_dmarc.<domain>`: a safe start (`p=none`, reports to us) when there is none;
 * an existing policy is the tenant's choice and is left alone.
 */
export function dmarcRecord(existing: readonly string[], reportAddress: string): TxtProposal {
  const dmarc = existing.filter(isDmarcRecord).map((v) => v.trim());
  const [first] = dmarc;
  if (first === undefined) return proposal('create', `v=DMARC1; p=none; rua=mailto:${reportAddress}`, dmarc);
  if (dmarc.length > 1) {
    return proposal(
      'merge',
      first,
      dmarc,
      `There are ${dmarc.length} DMARC records; receivers ignore DMARC when there is more than one. Keep one.`,
    );
  }
  return proposal('keep', first, dmarc);
}

/**
 * The bounce host offered under a tenant's domain: its CNAME to the platform's bounce host makes the platform's SPF
 * and MX answer for it, so an envelope sender there aligns SPF with the From domain (DMARC relaxed alignment).
 */
export function bounceHostFor(domain: string): string {
  return `bounces.${domain}`;
}

/** Optional bounce host (envelope sender domain) pointing at the platform, for SPF alignment. */
export function returnPathRecord(bounceHost: string, target: string): DnsRecord {
  return { type: 'CNAME', name: bounceHost, value: target, valueChunks: [target] };
}
