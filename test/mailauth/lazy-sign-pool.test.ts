import { describe, expect, it } from 'vitest';
import { lazySignPool } from '../../src/mailauth/lazy-sign-pool.js';
import type { SignPool } from '../../src/mailauth/sign-pool.js';

function countingPool(): { pool: SignPool; signed: Buffer[]; closed: () => boolean } {
  const signed: Buffer[] = [];
  let closed = false;
  const pool: SignPool = {
    size: 2,
    async sign(raw) {
      signed.push(raw);
      return Buffer.concat([Buffer.from('DKIM-Signature: x\r\n'), raw]);
    },
    async close() {
      closed = true;
    },
  };
  return { pool, signed, closed: () => closed };
}

describe('lazySignPool', () => {
  it('starts no workers until the first signature, then reuses the same pool', async () => {
    const inner = countingPool();
    let created = 0;
    const lazy = lazySignPool(2, () => {
      created++;
      return inner.pool;
    });
    expect(created).toBe(0);
    const out = await lazy.sign(Buffer.from('a'), []);
    await lazy.sign(Buffer.from('b'), []);
    expect(created).toBe(1);
    expect(out.toString()).toBe('DKIM-Signature: x\r\na');
    expect(inner.signed.map(String)).toEqual(['a', 'b']);
    await lazy.close();
    expect(inner.closed()).toBe(true);
  });

  it('closes without ever starting a pool, and refuses work after close', async () => {
    let created = 0;
    const lazy = lazySignPool(2, () => {
      created++;
      return countingPool().pool;
    });
    await lazy.close();
    await expect(lazy.sign(Buffer.from('a'), [])).rejects.toThrow(/closed/);
    expect(created).toBe(0);
  });
});
