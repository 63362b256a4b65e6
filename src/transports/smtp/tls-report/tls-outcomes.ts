/**
 * The TLS outcomes of direct delivery, per recipient domain and policy, as TLS-RPT (RFC 8460)
 * reports them: sessions that succeeded, and failed ones by result type, MX host and address.
 * Kept in memory between two daily reports: a restart loses at most one day's counts.
 */
export interface AppliedPolicy {
  /** `sts`, `tlsa` or `no-policy-found`. */
  readonly type: 'sts' | 'tlsa' | 'no-policy-found';
  /** The policy as published: the STS policy's lines, or the TLSA records in presentation form. */
  readonly strings: readonly string[];
  /** STS only: the policy's mx patterns. */
  readonly mxHosts?: readonly string[];
}

export interface FailureDetail {
  readonly resultType: string;
  readonly receivingMx?: string;
  readonly receivingIp?: string;
  readonly sendingIp?: string;
}

export interface PolicyCounts {
  readonly policy: AppliedPolicy;
  success: number;
  readonly failures: Map<string, { readonly detail: FailureDetail; count: number }>;
}

export interface TlsOutcomes {
  success(domain: string, policy: AppliedPolicy): void;
  failure(domain: string, policy: AppliedPolicy, detail: FailureDetail): void;
  /** The counts so far, by domain, and a fresh start for the next period. */
  drain(): Map<string, PolicyCounts[]>;
}

/** Domains recorded per period; beyond it new domains are not counted (their mail still goes). */
const MAX_DOMAINS = 50_000;

const policyKey = (p: AppliedPolicy): string => `${p.type}\n${p.strings.join('\n')}`;

export function createTlsOutcomes(): TlsOutcomes {
  let byDomain = new Map<string, Map<string, PolicyCounts>>();

  function countsFor(domain: string, policy: AppliedPolicy): PolicyCounts | undefined {
    let policies = byDomain.get(domain);
    if (policies === undefined) {
      if (byDomain.size >= MAX_DOMAINS) return undefined;
      policies = new Map();
      byDomain.set(domain, policies);
    }
    const key = policyKey(policy);
    let counts = policies.get(key);
    if (counts === undefined) {
      counts = { policy, success: 0, failures: new Map() };
      policies.set(key, counts);
    }
    return counts;
  }

  return {
    success(domain, policy) {
      const counts = countsFor(domain.toLowerCase(), policy);
      if (counts) counts.success++;
    },
    failure(domain, policy, detail) {
      const counts = countsFor(domain.toLowerCase(), policy);
      if (counts === undefined) return;
      const key = `${detail.resultType}|${detail.receivingMx ?? ''}|${detail.receivingIp ?? ''}`;
      const entry = counts.failures.get(key);
      if (entry) entry.count++;
      else counts.failures.set(key, { detail, count: 1 });
    },
    drain() {
      const drained = new Map([...byDomain].map(([domain, policies]) => [domain, [...policies.values()]]));
      byDomain = new Map();
      return drained;
    },
  };
}
