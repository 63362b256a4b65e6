import { describe, expect, it } from 'vitest';
import { abandoned, afterAttempt, nextHealth, shouldDisable } from '../../src/webhooks/retry-policy.js';
import type { Delivery } from '../../src/webhooks/webhook-types.js';

const HOUR = 3600_000;
const policy = { initialDelayMs: 5_000, maxDelayMs: 4 * HOUR, retryForMs: 24 * HOUR };
const fresh: Delivery = {
  id: 'D1',
  eventId: 'E1',
  endpointId: 'P1',
  tenantId: 'T1',
  type: 'message.delivered',
  status: 'pending',
  attempts: 0,
  createdAt: 0,
  nextAttemptAt: 0,
};

describe('webhook retry policy', () => {
  it('doubles the delay from 5 s up to 4 h, then fails the delivery a day after its event', () => {
    let d = fresh;
    let now = 0;
    const delays: number[] = [];
    for (let i = 0; i < 40 && d.status === 'pending'; i++) {
      d = afterAttempt(d, { ok: false, status: 503, error: 'HTTP 503' }, now, policy, () => 0.5);
      if (d.nextAttemptAt !== undefined) {
        delays.push(d.nextAttemptAt - now);
        now = d.nextAttemptAt;
      }
    }
    expect(delays.slice(0, 4)).toEqual([5_000, 10_000, 20_000, 40_000]);
    expect(Math.max(...delays)).toBe(4 * HOUR);
    expect(d).toMatchObject({ status: 'failed', lastError: 'HTTP 503', lastStatus: 503 });
    expect(d.nextAttemptAt).toBeUndefined();
    expect(now).toBeLessThanOrEqual(24 * HOUR);
    expect(now).toBeGreaterThan(20 * HOUR);
  });

  it('spreads retries by ±20 % and marks a 2xx delivered without the old error', () => {
    const low = afterAttempt(fresh, { ok: false, error: 'ECONNREFUSED' }, 0, policy, () => 0);
    const high = afterAttempt(fresh, { ok: false, error: 'ECONNREFUSED' }, 0, policy, () => 1);
    expect([low.nextAttemptAt, high.nextAttemptAt]).toEqual([4_000, 6_000]);
    const ok = afterAttempt(low, { ok: true, status: 204 }, 4_000, policy);
    expect(ok).toMatchObject({ status: 'delivered', attempts: 2, deliveredAt: 4_000, lastStatus: 204 });
    expect(ok.lastError).toBeUndefined();
    expect(abandoned(low, 'endpoint deleted')).toMatchObject({ status: 'failed', lastError: 'endpoint deleted' });
  });

  it('counts failures in a row since the last success, and switches off after a day of them', () => {
    let h = nextHealth({ consecutiveFailures: 0 }, { ok: false, error: 'timeout after 10000 ms' }, 1_000);
    h = nextHealth(h, { ok: false, error: 'HTTP 500' }, 2_000);
    expect(h).toMatchObject({ consecutiveFailures: 2, failingSince: 1_000, lastError: 'HTTP 500' });
    expect(shouldDisable(h, 24 * HOUR, 24 * HOUR)).toBe(false);
    expect(shouldDisable(h, 24 * HOUR + 1_000, 24 * HOUR)).toBe(true);
    const back = nextHealth(h, { ok: true, status: 200 }, 3_000);
    expect(back).toMatchObject({ consecutiveFailures: 0, lastSuccessAt: 3_000, lastFailureAt: 2_000 });
    expect(back.failingSince).toBeUndefined();
  });
});
