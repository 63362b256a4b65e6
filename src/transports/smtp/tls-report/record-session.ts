import type { PoolResult } from '../client/pool.js';
import type { MxTarget } from '../mx-resolver.js';
import type { TargetSecurity } from '../mx-security.js';
import { failureType, unverifiedType } from '../tls-log.js';
import type { TlsOutcomes } from './tls-outcomes.js';

/**
 * Counts one session for TLS-RPT: a session that failed before the server answered (a TLS
 * failure, STARTTLS missing under a policy) by its result type; one that went on counts as a
 * success, except under an MTA-STS policy in testing mode whose certificate did not verify.
 */
export function recordSession(
  outcomes: TlsOutcomes,
  domain: string,
  target: MxTarget,
  sec: TargetSecurity,
  result: PoolResult,
): void {
  const where = { receivingMx: target.name, receivingIp: target.address };
  const first = result.answers[0];
  if (first instanceof Error) {
    const code = (first as { code?: unknown }).code;
    if (code === 'ETLS') outcomes.failure(domain, sec.policy, { resultType: failureType(first), ...where });
    return; // refused connections and timeouts are not TLS outcomes
  }
  if (sec.testing && result.tls?.verified !== true) {
    const resultType = result.tls === undefined ? 'starttls-not-supported' : unverifiedType(result.tls.why);
    outcomes.failure(domain, sec.policy, { resultType, ...where });
    return;
  }
  outcomes.success(domain, sec.policy);
}
