import { describe, expect, it } from 'vitest';
import { startCountsRelay } from '../../src/cluster/counts-relay.js';
import { COUNTS_TAG, type CountsMessage } from '../../src/cluster/counts-message.js';
import { type CountsChannel, openIpcSharedCounts } from '../../src/cluster/ipc-shared-counts.js';
import type { CountKind } from '../../src/core/shared-counts.js';
import { cleanupAfterEach } from '../helpers/cleanups.js';
import { expectNothingFor, waitFor } from '../helpers/wait-for.js';
import { memoryCluster } from './memory-cluster.js';

const sliding: CountKind = { name: 'auth-ip', windowMs: 60_000, slots: 6, maxKeys: 1_000 };
const fixed: CountKind = { name: 'tenant-hour', windowMs: 10_000, maxKeys: 1_000 };

const cleanups = cleanupAfterEach();

/** A fake clock the workers and the relay read; the sync timers run on real time (10 ms). */
function setup(maxKeys?: number) {
  const time = { now: 1_000_000 };
  const cluster = cleanups.closing(memoryCluster(() => time.now, maxKeys));
  return { time, cluster };
}

describe('IpcSharedCounts through the relay', () => {
  it("adds locally at once and sees the other workers' counts within the sync period", async () => {
    const { time, cluster } = setup();
    const [a, b, c] = ['1', '2', '3'].map((id) => cluster.start(id));
    if (a === undefined || b === undefined || c === undefined) throw new Error('three workers');
    a.add(sliding, '192.0.2.1', 2, time.now);
    b.add(sliding, '192.0.2.1', 1, time.now);
    expect(a.total(sliding, '192.0.2.1', time.now)).toBe(2); // synchronous, before any send
    const totals = () => [a, b, c].map((w) => w.total(sliding, '192.0.2.1', time.now));
    await waitFor(() => totals().every((t) => t === 3), 1_000, 'every worker to see 3');
    expect(c.keys(sliding)).toEqual(['192.0.2.1']);
    // Counting on sends the new absolute count; the others do not add it twice.
    a.add(sliding, '192.0.2.1', 1, time.now);
    await waitFor(() => totals().every((t) => t === 4), 1_000, 'every worker to see 4');
    await expectNothingFor(50, () => totals().every((t) => t === 4), 'the totals to stay 4');
  });

  it("lets a sliding window's slots leave it on every worker, by the clock, even with no message", async () => {
    const { time, cluster } = setup();
    const a = cluster.start('1');
    const b = cluster.start('2');
    a.add(sliding, 'ip', 3, time.now); // slot [1,000,000 .. 1,010,000)
    await waitFor(() => b.total(sliding, 'ip', time.now) === 3, 1_000, 'b to see 3');
    time.now += 30_000;
    a.add(sliding, 'ip', 1, time.now);
    await waitFor(() => b.total(sliding, 'ip', time.now) === 4, 1_000, 'b to see 4');
    time.now = 1_060_000; // the first slot has left the window
    expect(b.total(sliding, 'ip', time.now)).toBe(1);
    expect(a.total(sliding, 'ip', time.now)).toBe(1);
    time.now = 1_090_000;
    expect(b.total(sliding, 'ip', time.now)).toBe(0);
  });

  it('starts a new fixed window after the last one ends, without the old count', async () => {
    const { time, cluster } = setup();
    const a = cluster.start('1');
    const b = cluster.start('2');
    a.add(fixed, 'tenant-1', 5, time.now);
    await waitFor(() => b.total(fixed, 'tenant-1', time.now) === 5, 1_000, 'b to see 5');
    time.now += 9_999;
    expect(b.total(fixed, 'tenant-1', time.now)).toBe(5);
    time.now += 1;
    expect(b.total(fixed, 'tenant-1', time.now)).toBe(0);
    a.add(fixed, 'tenant-1', 1, time.now);
    await waitFor(() => b.total(fixed, 'tenant-1', time.now) === 1, 1_000, 'b to see the new window');
    await expectNothingFor(50, () => b.total(fixed, 'tenant-1', time.now) === 1, 'b to stay at 1');
  });

  it('forgets a key on every worker and in the relay, whichever worker forgets it', async () => {
    const { time, cluster } = setup();
    const a = cluster.start('1');
    const b = cluster.start('2');
    const c = cluster.start('3');
    a.add(fixed, 'tenant-1', 2, time.now);
    b.add(fixed, 'tenant-1', 3, time.now);
    b.add(fixed, 'tenant-2', 1, time.now);
    await waitFor(() => c.total(fixed, 'tenant-1', time.now) === 5, 1_000, 'c to see 5');
    c.forget(fixed, 'tenant-1');
    expect(c.total(fixed, 'tenant-1', time.now)).toBe(0);
    const everywhere = () => [a, b, c].every((w) => w.total(fixed, 'tenant-1', time.now) === 0);
    await waitFor(everywhere, 1_000, 'every worker to forget tenant-1');
    expect(a.keys(fixed)).toEqual(['tenant-2']);
    await expectNothingFor(50, everywhere, 'tenant-1 to stay forgotten');
    // A worker started afterwards gets tenant-2 from the relay's snapshot, and not tenant-1.
    const d = cluster.start('4');
    await waitFor(() => d.total(fixed, 'tenant-2', time.now) === 1, 1_000, 'd to get the snapshot');
    expect(d.total(fixed, 'tenant-1', time.now)).toBe(0);
  });

  it("gives a restarted worker the others' counts and its crashed predecessor's at once", async () => {
    const { time, cluster } = setup();
    const a = cluster.start('1');
    const b = cluster.start('2');
    a.add(sliding, 'attacker', 7, time.now);
    b.add(sliding, 'attacker', 2, time.now);
    await waitFor(() => b.total(sliding, 'attacker', time.now) === 9, 1_000, 'b to see 9');
    cluster.crash('1');
    // Its successor's own timer never runs here: the snapshot alone brings the counts, before ready.
    const a2 = cluster.start('1b', { syncMs: 60_000 });
    expect(await a2.ready(1_000)).toBe(true);
    expect(a2.total(sliding, 'attacker', time.now)).toBe(9);
    expect(b.total(sliding, 'attacker', time.now)).toBe(9);
  });

  it('holds at most maxKeys keys in each part: local, own rows, the others, the relay', async () => {
    const { time, cluster } = setup(30);
    const small: CountKind = { ...fixed, maxKeys: 10 };
    const a = cluster.start('1', { maxOwnKeys: 40 });
    const b = cluster.start('2', { maxRemoteKeys: 20 });
    for (let i = 0; i < 100; i++) a.add(small, `ip${i}`, 1, time.now);
    await waitFor(() => b.total(small, 'ip99', time.now) === 1, 1_000, 'b to see the last key');
    expect(a.keys(small)).toHaveLength(10);
    expect(b.keys(small)).toHaveLength(20);
    expect(b.total(small, 'ip0', time.now)).toBe(0); // the oldest went
    expect(cluster.relay.size).toBe(30);
    const c = cluster.start('3');
    await waitFor(() => c.keys(small).length === 30, 1_000, 'c to get the 30 keys the relay holds');
    expect(c.keys(small)).toContain('ip99');
  });

  it('counts a long key (held as its hash) on every worker under the key the caller gave', async () => {
    const { time, cluster } = setup();
    const a = cluster.start('1');
    const b = cluster.start('2');
    const long = `192.0.2.9|${'u'.repeat(400)}`;
    a.add(sliding, long, 2, time.now);
    await waitFor(() => b.total(sliding, long, time.now) === 2, 1_000, 'b to see the long key');
    expect(b.total(sliding, `${long}x`, time.now)).toBe(0);
  });
});

describe('IpcSharedCounts without a primary', () => {
  it('is not ready, counts alone, and sends through its channel', async () => {
    const sent: CountsMessage[] = [];
    const channel: CountsChannel = { send: (msg) => sent.push(msg), onMessage: () => () => undefined };
    const counts = cleanups.closing(openIpcSharedCounts(channel, { worker: 'w', syncMs: 60_000, clock: () => 1_000 }));
    expect(sent).toEqual([{ t: COUNTS_TAG, from: 'w', rows: [], hello: true }]);
    expect(await counts.ready(20)).toBe(false);
    counts.add(fixed, 'tenant-1', 2, 1_000);
    counts.forget(fixed, 'tenant-2');
    expect(counts.total(fixed, 'tenant-1', 1_000)).toBe(2);
    counts.flush();
    expect(sent.slice(1)).toEqual([
      { t: COUNTS_TAG, from: 'w', rows: [], forgotten: [{ kind: fixed.name, key: 'tenant-2' }] },
      {
        t: COUNTS_TAG,
        from: 'w',
        rows: [{ kind: fixed.name, key: 'tenant-1', slot: 1_000, expiresAt: 11_000, count: 2 }],
      },
    ]);
    counts.flush(); // nothing changed: nothing sent
    expect(sent).toHaveLength(3);
  });
});

describe('CountsRelay', () => {
  it('leaves other traffic alone and forwards to every worker but the sender', () => {
    const got: Record<string, unknown[]> = { '1': [], '2': [], '3': [] };
    const relay = startCountsRelay({
      workers: () => Object.keys(got).map((id) => ({ id, send: (msg) => got[id]?.push(msg) })),
      clock: () => 0,
    });
    expect(relay.onWorkerMessage('1', { cmd: 'reload' })).toBe(false);
    expect(relay.onWorkerMessage('1', { t: COUNTS_TAG, from: 'w1', rows: [{ kind: 'k' }] })).toBe(false);
    const row = { kind: 'k', key: 'a', slot: 0, expiresAt: 10, count: 2 };
    expect(relay.onWorkerMessage('1', { t: COUNTS_TAG, from: 'w1', rows: [row] })).toBe(true);
    expect(got).toEqual({ '1': [], '2': [{ t: COUNTS_TAG, from: 'w1', rows: [row] }], '3': [expect.anything()] });
    // A hello is answered to its sender only, with the rows held.
    expect(relay.onWorkerMessage('3', { t: COUNTS_TAG, from: 'w3', rows: [], hello: true })).toBe(true);
    expect(got['3']).toHaveLength(2);
    expect(got['3']?.[1]).toEqual({ t: COUNTS_TAG, from: 'w1', rows: [row], hello: true });
    expect(got['2']).toHaveLength(1);
  });

  it('leaves rows whose window has ended out of a snapshot, and drops them', () => {
    const time = { now: 0 };
    const got: unknown[] = [];
    const relay = startCountsRelay({
      workers: () => [{ id: '2', send: (msg) => got.push(msg) }],
      clock: () => time.now,
    });
    const rows = [
      { kind: 'k', key: 'a', slot: 0, expiresAt: 10, count: 2 },
      { kind: 'k', key: 'b', slot: 0, expiresAt: 20_000, count: 1 },
    ];
    relay.onWorkerMessage('1', { t: COUNTS_TAG, from: 'w1', rows });
    time.now = 10;
    got.length = 0;
    relay.onWorkerMessage('2', { t: COUNTS_TAG, from: 'w2', rows: [], hello: true });
    expect(got).toEqual([{ t: COUNTS_TAG, from: 'w1', rows: [rows[1]], hello: true }]);
    expect(relay.size).toBe(2);
    time.now = 20_000; // the next message past the sweep period sweeps the table
    relay.onWorkerMessage('2', { t: COUNTS_TAG, from: 'w2', rows: [] });
    expect(relay.size).toBe(0);
  });

  it('answers a hello with an empty, marked message when it holds nothing', () => {
    const got: unknown[] = [];
    const relay = startCountsRelay({ workers: () => [{ id: '1', send: (msg) => got.push(msg) }] });
    relay.onWorkerMessage('1', { t: COUNTS_TAG, from: 'w1', rows: [], hello: true });
    expect(got).toEqual([{ t: COUNTS_TAG, from: '', rows: [], hello: true }]);
  });

  it('skips a worker whose send throws and goes on with the others', () => {
    const got: unknown[] = [];
    const relay = startCountsRelay({
      workers: () => [
        {
          id: 'gone',
          send: () => {
            throw new Error('ERR_IPC_CHANNEL_CLOSED');
          },
        },
        { id: 'b', send: (msg) => got.push(msg) },
      ],
    });
    const row = { kind: 'k', key: 'a', slot: 0, expiresAt: Date.now() + 10_000, count: 1 };
    relay.onWorkerMessage('a', { t: COUNTS_TAG, from: 'wa', rows: [row] });
    expect(got).toHaveLength(1);
  });
});
