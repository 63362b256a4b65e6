import type { Config } from '../config/schema.js';

/** The retry policy as configured (`queue.retry`). */
export type RetryPolicy = Config['queue']['retry'];

/**
 * Delay before the next attempt after `attempts` failed ones (1 = the first failure):
 * initialDelayMs doubling per attempt, capped at maxDelayMs, then spread by ±jitter so that
 * recipients deferred together do not all come back in the same second.
 * Bounds: [base * (1 - jitter), base * (1 + jitter)], never negative.
 */
export function nextDelay(attempts: number, policy: RetryPolicy, random: () => number): number {
  // Capped so that 2 ** exponent stays finite (0 * Infinity would be NaN); 2 ** 40 ms is decades.
  const exponent = Math.min(40, Math.max(0, Math.floor(attempts) - 1));
  const base = Math.min(policy.initialDelayMs * 2 ** exponent, policy.maxDelayMs);
  const spread = policy.jitter * (2 * random() - 1);
  return Math.max(0, Math.round(base * (1 + spread)));
}

/** True once a message has been queued for maxAgeMs or longer: its pending recipients give up. */
export function isExpired(receivedAt: number, now: number, maxAgeMs: number): boolean {
  return now - receivedAt >= maxAgeMs;
}
