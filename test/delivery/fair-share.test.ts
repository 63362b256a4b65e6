import { describe, expect, it } from 'vitest';
import { shareCap, TenantTurns } from '../../src/delivery/fair-share.js';

/** Hands out `slots` one by one to tenants that all have endless work; returns slots per tenant. */
function fill(
  turns: TenantTurns,
  tenants: string[],
  slots: number,
  held: Record<string, number> = {},
): Record<string, number> {
  const used: Record<string, number> = { ...held };
  let total = Object.values(used).reduce((a, b) => a + b, 0);
  while (total < slots) {
    const t = turns.pick(tenants, (id) => used[id] ?? 0, slots);
    if (t === undefined) break;
    used[t] = (used[t] ?? 0) + 1;
    turns.serve(t);
    total++;
  }
  return used;
}

describe('fair share of slots', () => {
  it('lets a lone tenant take every slot (work-conserving)', () => {
    expect(fill(new TenantTurns({ maxShare: 0.5, weightOf: () => 1 }), ['a'], 10)).toEqual({ a: 10 });
  });

  it('splits slots by weight between busy tenants, round robin between equals', () => {
    const turns = new TenantTurns({ maxShare: 1, weightOf: (t) => (t === 'a' ? 3 : 1) });
    expect(fill(turns, ['a', 'b'], 8)).toEqual({ a: 6, b: 2 });
    expect(fill(new TenantTurns({ maxShare: 1, weightOf: () => 1 }), ['a', 'b', 'c'], 9)).toEqual({ a: 3, b: 3, c: 3 });
  });

  it('serves a tenant below its cap before one at it, whatever the weights', () => {
    const turns = new TenantTurns({ maxShare: 0.5, weightOf: (t) => (t === 'big' ? 100 : 1) });
    expect(turns.pick(['big', 'small'], (t) => (t === 'big' ? 5 : 4), 10)).toBe('small');
    expect(shareCap(10, 0.5)).toBe(5);
    expect(shareCap(3, 0.1)).toBe(1); // never zero
  });
});
