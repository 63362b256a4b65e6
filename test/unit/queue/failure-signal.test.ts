import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/core/gateway-error.js';
import { FailureSignal } from '../../../src/queue/failure-signal.js';
import { expectNothingFor } from '../../helpers/wait-for.js';

describe('FailureSignal', () => {
  it('rejects promises taken before fire(), not those taken after', async () => {
    const signal = new FailureSignal();
    const before = signal.next();
    const full = new GatewayError('E_STORAGE_FULL', 'disk full');
    signal.fire(full);
    await expect(before).rejects.toBe(full);
    const after = signal.next();
    let settled = false;
    void after.then(() => { settled = true; }, () => { settled = true; });
    await expectNothingFor(20, () => !settled, 'the later promise to stay pending');
    expect(settled).toBe(false);
  });

  it('firing with nobody waiting is not an unhandled rejection', async () => {
    const seen: unknown[] = [];
    const listener = (reason: unknown): void => { seen.push(reason); };
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
