import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { collectCapped } from '../../../src/receive/smtp/collect-stream.js';
import { ConnectionLimiter } from '../../../src/receive/smtp/connection-limits.js';
import { toCallback } from '../../../src/receive/smtp/to-callback.js';
import { TransactionTracker } from '../../../src/receive/smtp/transaction-timer.js';
import { expectNothingFor, waitFor } from '../../helpers/wait-for.js';

describe('ConnectionLimiter', () => {
  it('admits up to the limit per IP and counts down only sessions it admitted', () => {
    const l = new ConnectionLimiter(2);
    expect(l.admit('s1', '192.0.2.1')).toBe(true);
    expect(l.admit('s2', '192.0.2.1')).toBe(true);
    expect(l.admit('s3', '192.0.2.1')).toBe(false);
    expect(l.admit('s4', '192.0.2.2')).toBe(true);
    l.release('s3'); // refused: must not free a slot
    l.release('never-seen');
    expect(l.openFrom('192.0.2.1')).toBe(2);
    l.release('s1');
    l.release('s1');
    expect(l.openFrom('192.0.2.1')).toBe(1);
    expect(l.admit('s5', '192.0.2.1')).toBe(true);
  });
});

describe('TransactionTracker', () => {
  it('fires after the deadline unless the input finished first', async () => {
    const expired: string[] = [];
    const t = new TransactionTracker(40, (id) => expired.push(id));
    t.begin('slow');
    t.begin('fast');
    t.inputDone('fast');
    await waitFor(() => expired.length > 0, 8_000, 'the slow transaction to expire');
    expect(expired).toEqual(['slow']);
    expect(t.isActive('fast')).toBe(true); // still waiting for its reply
    t.end('fast');
    t.end('slow');
    expect(t.count).toBe(0);
  });

  it('restarts the deadline on a new MAIL FROM and never fires with timeout 0', async () => {
    const expired: string[] = [];
    const t = new TransactionTracker(60, (id) => expired.push(id));
    t.begin('a');
    await expectNothingFor(40, () => expired.length === 0, 'no expiry before the deadline');
    t.begin('a');
    await expectNothingFor(40, () => expired.length === 0, 'no expiry: the new MAIL FROM restarted the deadline');
    expect(expired).toEqual([]);
    t.end('a');
    const none = new TransactionTracker(0, (id) => expired.push(id));
    none.begin('b');
    await expectNothingFor(20, () => expired.length === 0, 'no expiry with timeout 0');
    expect(expired).toEqual([]);
  });

  it('resolves whenIdle once the last transaction ends', async () => {
    const t = new TransactionTracker(0, () => undefined);
    await t.whenIdle();
    t.begin('a');
    t.begin('b');
    let idle = false;
    const waiting = t.whenIdle().then(() => {
      idle = true;
    });
    t.end('a');
    await expectNothingFor(20, () => !idle, 'not idle while b is open');
    expect(idle).toBe(false);
    t.end('b');
    await waiting;
    expect(idle).toBe(true);
  });
});

describe('collectCapped', () => {
  it('returns the whole input under the limit', async () => {
    const s = new PassThrough();
    const p = collectCapped(s, 10);
    s.write('abc');
    s.end('def');
    expect(await p).toEqual({ data: Buffer.from('abcdef'), truncated: false });
  });

  it('keeps draining but drops the bytes once over the limit', async () => {
    const s = new PassThrough();
    const p = collectCapped(s, 4);
    s.write('abc');
    s.write('def');
    s.end('ghi');
    const r = await p;
    expect(r.truncated).toBe(true);
    expect(r.data.length).toBe(0);
    expect(s.readableEnded).toBe(true);
  });

  it('rejects when the stream is destroyed before its end', async () => {
    const s = new PassThrough();
    const p = collectCapped(s, 100);
    s.write('abc');
    s.destroy(new Error('client went away'));
    await expect(p).rejects.toThrow('client went away');
  });
});

describe('toCallback', () => {
  it('passes values and errors, wrapping non-Error rejections', async () => {
    const calls: Array<[Error | null, unknown]> = [];
    const cb = (err: Error | null, value?: unknown) => calls.push([err, value]);
    toCallback(Promise.resolve(42), cb);
    toCallback(Promise.reject(new Error('no')), cb);
    toCallback(Promise.reject('plain string'), cb);
    await waitFor(() => calls.length === 3, 8_000, 'three callbacks');
    expect(calls[0]).toEqual([null, 42]);
    expect(calls[1]?.[0]?.message).toBe('no');
    expect(calls[2]?.[0]).toBeInstanceOf(Error);
    expect(calls[2]?.[0]?.message).toBe('plain string');
  });
});
