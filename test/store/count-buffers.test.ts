import { describe, expect, it } from 'vitest';
import { CountDeltas } from '../../src/store/postgres/count-deltas.js';
import { RemoteCounts } from '../../src/core/remote-counts.js';

describe('CountDeltas (what a node has yet to send)', () => {
  it('sums deltas per row, hands them out in bounded batches, and takes back a failed send', () => {
    const deltas = new CountDeltas(100);
    deltas.add('k', 'a', 0, 1_000, 1);
    deltas.add('k', 'a', 0, 1_000, 2);
    deltas.add('k', 'b', 0, 1_000, 1);
    deltas.add('k', 'c', 0, 10, 5); // its window ends before the send: never sent
    const first = deltas.take(1, 100);
    expect(first).toEqual([{ kind: 'k', key: 'a', slot: 0, expiresAt: 1_000, n: 3 }]);
    deltas.restore(first);
    deltas.add('k', 'a', 0, 1_000, 1);
    expect(deltas.take(10, 100).map((d) => [d.key, d.n])).toEqual([
      ['b', 1],
      ['a', 4],
    ]);
    expect(deltas.size).toBe(0);
  });

  it('keeps at most max rows while sends fail (the oldest go), and drops a forgotten key', () => {
    const deltas = new CountDeltas(3);
    for (let i = 0; i < 10; i++) deltas.add('k', `ip${i}`, 0, 1_000, 1);
    expect(deltas.size).toBe(3);
    deltas.forget('k', 'ip9');
    expect(deltas.take(10, 0).map((d) => d.key)).toEqual(['ip7', 'ip8']);
  });
});

describe('RemoteCounts (the other nodes’ rows as last read)', () => {
  it('sums the live rows of every node and slot; a row read again replaces its count', () => {
    const remote = new RemoteCounts(10);
    remote.set({ kind: 'k', key: 'a', node: 'n1', slot: 0, expiresAt: 100, count: 2 });
    remote.set({ kind: 'k', key: 'a', node: 'n2', slot: 0, expiresAt: 100, count: 3 });
    remote.set({ kind: 'k', key: 'a', node: 'n1', slot: 50, expiresAt: 150, count: 1 });
    remote.set({ kind: 'k', key: 'a', node: 'n1', slot: 0, expiresAt: 100, count: 4 });
    expect(remote.total('k', 'a', 99)).toBe(8);
    expect(remote.total('other', 'a', 99)).toBe(0);
    expect(remote.total('k', 'a', 100)).toBe(1); // without a read, the ended slot stops counting
    expect(remote.total('k', 'a', 150)).toBe(0);
    expect(remote.size).toBe(0);
  });

  it('keeps at most maxKeys keys, the least recently read going first', () => {
    const remote = new RemoteCounts(2);
    for (const key of ['a', 'b', 'c']) remote.set({ kind: 'k', key, node: 'n', slot: 0, expiresAt: 100, count: 1 });
    expect(remote.size).toBe(2);
    expect([remote.total('k', 'a', 0), remote.total('k', 'c', 0)]).toEqual([0, 1]);
    remote.forget('k', 'c');
    expect(remote.total('k', 'c', 0)).toBe(0);
  });
});
