import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/core/gateway-error.js';
import { FailureSignal } from '../../src/queue/failure-signal.js';
import { expectNothingFor } from '../helpers/wait-for.js';

const never = (): Promise<never> => new Promise<never>(() => undefined);

describe('FailureSignal', () => {
  it('rejects guards whose ticket was taken before fire(), not those taken after', async () => {
    const signal = new FailureSignal();
    const waiting = signal.guard(never(), signal.ticket());
    const ticketBeforeFailure = signal.ticket();
    const full = new GatewayError('E_STORAGE_FULL', 'disk full');
    signal.fire(full);
    await expect(waiting).rejects.toBe(full);
    // The write started before the failure but is guarded only after it: still told.
    await expect(signal.guard(never(), ticketBeforeFailure)).rejects.toBe(full);
    let settled = false;
    void signal.guard(never(), signal.ticket()).then(
      () => {
        settled = true;
      },
      () => {
        settled = true;
      },
    );
    await expectNothingFor(20, () => !settled, 'a guard taken after the failure to stay pending');
  });

  it("passes the work's own outcome through", async () => {
    const signal = new FailureSignal();
    await expect(signal.guard(Promise.resolve(7), signal.ticket())).resolves.toBe(7);
    const boom = new Error('boom');
    await expect(signal.guard(Promise.reject(boom), signal.ticket())).rejects.toBe(boom);
  });

  it('forgets each guard once its work settles: nothing accumulates per write', async () => {
    const signal = new FailureSignal();
    await Promise.all(Array.from({ length: 1000 }, (_, i) => signal.guard(Promise.resolve(i), signal.ticket())));
    expect(signal.waitingCount).toBe(0);
  });

  it('firing with nobody waiting is not an unhandled rejection', async () => {
    const seen: unknown[] = [];
    const listener = (reason: unknown): void => {
      seen.push(reason);
    };
    process.on('unhandledRejection', listener);
    try {
      new FailureSignal().fire(new GatewayError('E_STORAGE', 'x'));
      await expectNothingFor(20, () => seen.length === 0, 'no unhandled rejection');
      expect(seen).toEqual([]);
    } finally {
      process.off('unhandledRejection', listener);
    }
  });
});
