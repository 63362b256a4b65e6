import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/core/gateway-error.js';
import { FailureSignal } from '../../../src/queue/failure-signal.js';

describe('FailureSignal', () => {
  it('rejects promises taken before fire(), not those taken after', async () => {
    const signal = new FailureSignal();
    const before = signal.next();
    const full = new GatewayError('E_STORAGE_FULL', 'disk full');
    signal.fire(full);
    await expect(before).rejects.toBe(full);
    const after = signal.next();
    const state = await Promise.race([after.then(() => 'settled', () => 'settled'), new Promise((r) => setTimeout(r, 20, 'pending'))]);
    expect(state).toBe('pending');
  });

  it('firing with nobody waiting is not an unhandled rejection', async () => {
    const seen: unknown[] = [];
    const listener = (reason: unknown): void => { seen.push(reason); };
    process.on('unhandledRejection', listener);
    try {
      new FailureSignal().fire(new GatewayError('E_STORAGE', 'x'));
      await new Promise((r) => setTimeout(r, 20));
      expect(seen).toEqual([]);
    } finally {
      process.off('unhandledRejection', listener);
    }
  });
});
