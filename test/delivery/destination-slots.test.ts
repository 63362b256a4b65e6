import { describe, expect, it } from 'vitest';
import { createDestinationSlots, destinationKey } from '../../src/delivery/destination-slots.js';

describe('destination slots', () => {
  it('keys by smarthost name or lower-cased recipient domain', () => {
    expect(destinationKey({ kind: 'smarthost', name: 'default' })).toBe('smarthost:default');
    expect(destinationKey({ kind: 'direct', domain: 'Dest.TEST' })).toBe('direct:dest.test');
    expect(destinationKey({ kind: 'capture' })).toBe('capture');
  });

  it(
    'admits at most `limit` per key, hands freed slots over in FIFO order within a tenant, and keys are ' +
      'independent',
    async () => {
      const slots = createDestinationSlots(2);
      const a1 = await slots.acquire('a', 't1');
      const a2 = await slots.acquire('a', 't1');
      const order: number[] = [];
      const w3 = slots.acquire('a', 't1').then((r) => {
        order.push(3);
        return r;
      });
      const w4 = slots.acquire('a', 't1').then((r) => {
        order.push(4);
        return r;
      });
      const b1 = await slots.acquire('b', 't1'); // another destination is not held up
      await new Promise((resolve) => setImmediate(resolve));
      expect(order).toEqual([]);
      expect(slots.active('a')).toBe(2);

      a1();
      a1(); // a second release of the same slot changes nothing
      const r3 = await w3;
      await new Promise((resolve) => setImmediate(resolve));
      expect(order).toEqual([3]);
      a2();
      const r4 = await w4;
      expect(order).toEqual([3, 4]);
      expect(slots.active('a')).toBe(2);
      r3();
      r4();
      b1();
      expect(slots.active('a')).toBe(0);
      expect(slots.active('b')).toBe(0);
    },
  );

  it('gives a freed slot to a waiting tenant below its share before the tenant holding the rest', async () => {
    const slots = createDestinationSlots(4, { maxShare: 0.5, weightOf: () => 1 });
    const held = await Promise.all([1, 2, 3, 4].map(() => slots.acquire('d', 'big')));
    const order: string[] = [];
    const waiting = [
      ...[1, 2, 3].map(() =>
        slots.acquire('d', 'big').then((r) => {
          order.push('big');
          return r;
        }),
      ),
      slots.acquire('d', 'small').then((r) => {
        order.push('small');
        return r;
      }),
    ];
    held[0]?.();
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(['small']); // queued last, served first: 'big' holds more than half
    held[1]?.();
    held[2]?.();
    held[3]?.();
    const releases = await Promise.all(waiting);
    expect(order).toEqual(['small', 'big', 'big', 'big']);
    for (const r of releases) r();
    expect(slots.active('d')).toBe(0);
  });
});
