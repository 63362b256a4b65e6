import type { AttemptResult, Delivery, EndpointHealth } from './webhook-types.js';

export interface WebhookRetryPolicy {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** Counted from the delivery's creation: past this, a failing delivery is marked failed. */
  readonly retryForMs: number;
}

/**
 * The delivery after one attempt: delivered, or due again after an exponential backoff with
 * ±20 % jitter (so that the retries of many events to one recovering receiver spread out), or
 * failed once the next attempt would fall past `retryForMs`.
 */
export function afterAttempt(
  d: Delivery,
  result: AttemptResult,
  now: number,
  policy: WebhookRetryPolicy,
  random: () => number = Math.random,
): Delivery {
  const attempts = d.attempts + 1;
  const { nextAttemptAt: _due, ...rest } = d;
  const base = {
    ...rest,
    attempts,
    lastAttemptAt: now,
    ...(result.status !== undefined ? { lastStatus: result.status } : {}),
  };
  if (result.ok) {
    const { lastError: _e, ...clean } = base;
    return { ...clean, status: 'delivered', deliveredAt: now };
  }
  const error = result.error ?? 'failed';
  const delay = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (attempts - 1));
  const next = now + Math.round(delay * (0.8 + 0.4 * random()));
  if (next - d.createdAt > policy.retryForMs) return { ...base, status: 'failed', lastError: error };
  return { ...base, status: 'pending', lastError: error, nextAttemptAt: next };
}

/** A delivery given up without an attempt (endpoint deleted or disabled). */
export function abandoned(d: Delivery, why: string): Delivery {
  const { nextAttemptAt: _due, ...rest } = d;
  return { ...rest, status: 'failed', lastError: why };
}

export function nextHealth(h: EndpointHealth, result: AttemptResult, now: number): EndpointHealth {
  if (result.ok) {
    const { failingSince: _f, ...rest } = h;
    return { ...rest, lastSuccessAt: now, consecutiveFailures: 0 };
  }
  return {
    ...h,
    lastFailureAt: now,
    lastError: result.error ?? 'failed',
    consecutiveFailures: h.consecutiveFailures + 1,
    failingSince: h.failingSince ?? now,
  };
}

/** Failing without one success for `disableAfterMs`: the endpoint is switched off. */
export function shouldDisable(h: EndpointHealth, now: number, disableAfterMs: number): boolean {
  return h.failingSince !== undefined && now - h.failingSince >= disableAfterMs && h.consecutiveFailures > 1;
}
