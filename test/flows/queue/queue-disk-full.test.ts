import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GatewayError, isGatewayError } from '../../../src/core/gateway-error.js';
import { newQueueId } from '../../../src/core/ids.js';
import type { NewMessage } from '../../../src/core/types.js';
import { openQueue, type LmdbQueue, type QueueOptions } from '../../../src/queue/lmdb-queue.js';
import { closeStores, openStores } from '../../../src/queue/lmdb-store.js';
import { mountTmpfs, type Tmpfs } from '../../helpers/tmpfs.js';
import { expectNothingFor } from '../../helpers/wait-for.js';
import { replyOf } from '../../helpers/smtp-replies.js';
import { storageAt } from '../../helpers/temp-storage.js';

/**
 * Fills a real 4 MB tmpfs with 200 KB messages until LMDB's commit fails. Needs root (mount);
 * this machine and CI run as root. lmdb-js prints the native error to stderr itself
 * ("Error: Input/output error ... code: 5"): that noise is expected.
 */
const logger = pino({ level: 'silent' });
const retry = { initialDelayMs: 10, maxDelayMs: 100, maxAgeMs: 60_000, jitter: 0 };

let base: string;
let disk: Tmpfs;
let queue: LmdbQueue | undefined;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

function mail(n: number): NewMessage {
  return {
    id: newQueueId(1_000 + n),
    tenantId: 't1',
    kind: 'mail',
    envelope: { from: 'a@example.test', to: ['b@example.test'] },
    receivedAt: 1_000 + n,
    client: { address: '127.0.0.1', helo: 'invoicing' },
    messageId: `<${n}@example.test>`,
  };
}

function open(extra: Partial<QueueOptions> = {}): LmdbQueue {
  queue = openQueue({ storage: storageAt(disk.path), retry, logger, ...extra });
  return queue;
}

/** Enqueues 200 KB messages until one fails; returns the ids stored and the failure. */
async function fill(q: LmdbQueue): Promise<{ stored: string[]; failure: unknown }> {
  const stored: string[] = [];
  let failure: unknown;
  for (let n = 0; n < 60 && failure === undefined; n++) {
    await q.enqueue(mail(n), body(n)).then(
      (m) => stored.push(m.id),
      (err: unknown) => {
        failure = err;
      },
    );
  }
  return { stored, failure };
}

function body(n: number, size = 200 * 1024): Buffer {
  return Buffer.alloc(size, `message ${n}\r\n`);
}

/** Settles within `ms` or reports that it hung: a hung enqueue is a failure here too. */
async function settled<T>(promise: Promise<T>, ms: number): Promise<{ ok: T } | { err: unknown } | 'hung'> {
  const timeout = new Promise<'hung'>((resolve) => setTimeout(resolve, ms, 'hung'));
  return Promise.race([
    promise.then(
      (ok) => ({ ok }),
      (err: unknown) => ({ err }),
    ),
    timeout,
  ]);
}

function expectCleanFailure(outcome: { ok: unknown } | { err: unknown } | 'hung'): void {
  expect(outcome).not.toBe('hung');
  if (typeof outcome === 'object' && 'err' in outcome) {
    expect(outcome.err).toBeInstanceOf(GatewayError);
    expect((outcome.err as GatewayError).code).toMatch(/^E_STORAGE/);
  }
}

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'postbode-full-'));
  disk = mountTmpfs(join(base, 'mnt'), '4m');
  process.on('unhandledRejection', onUnhandled);
});

afterEach(async () => {
  await queue?.close();
  queue = undefined;
  for (const name of ['db', 'queue-archive', 'archive'])
    await rm(join(disk.path, name), { recursive: true, force: true });
  await rm(join(base, 'db'), { recursive: true, force: true });
});

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  disk.unmount();
  await rm(base, { recursive: true, force: true });
});

describe('LmdbQueue on a full disk', () => {
  it('fails enqueue with E_STORAGE_FULL, keeps queued mail, and recovers once space is freed', async (ctx) => {
    if (disk.error) ctx.skip(`needs root to mount a 4 MB tmpfs (mount failed: ${disk.error})`);
    const q = open();
    const { stored, failure } = await fill(q);
    expect(stored.length).toBeGreaterThan(3);
    expect(isGatewayError(failure, 'E_STORAGE_FULL')).toBe(true);
    expect(q.depth()).toEqual({ messages: stored.length, queued: stored.length, deferred: 0, held: 0 });

    // More writes while full: concurrent ones, and a small one followed by a failing big one
    // (the case where lmdb never resolves the small one's flush): all must settle.
    const burst = await Promise.all([1, 2, 3, 4, 5].map((k) => settled(q.enqueue(mail(100 + k), body(k)), 5_000)));
    burst.forEach(expectCleanFailure);
    const smallMail = mail(200);
    const small = q.enqueue(smallMail, body(200, 100));
    for (let i = 0; i < 1_000 && q.get(smallMail.id) === undefined; i++) await new Promise(setImmediate);
    const big = settled(q.enqueue(mail(201), body(201, 900 * 1024)), 5_000);
    expectCleanFailure(await settled(small, 5_000));
    expectCleanFailure(await big);

    // Mail already queued is intact and its state can still be recorded.
    stored.forEach((id, n) => expect(q.body(id)?.equals(body(n))).toBe(true));
    const recorded = await settled(
      q.record(stored[0]!, [{ address: 'b@example.test', outcome: 'delivered', reply: replyOf('250') }], 5_000),
      5_000,
    );
    expectCleanFailure(recorded);

    // Completing mail keeps its body (the message log); purging frees record and body
    // together; then new mail fits again.
    for (const id of stored.slice(1)) {
      expectCleanFailure(
        await settled(
          q.record(id, [{ address: 'b@example.test', outcome: 'delivered', reply: replyOf('250') }], 6_000),
          5_000,
        ),
      );
    }
    expect(q.depth().messages).toBeLessThanOrEqual(3); // the small/burst ones that fit, if any
    const completed = stored.filter((id) => q.get(id)?.completedAt !== undefined);
    expect(completed.length).toBeGreaterThanOrEqual(stored.length - 1);
    completed.forEach((id) => expect(q.body(id)).toBeDefined());
    const purged = await settled(q.purgeCompleted(1e15), 5_000);
    expect(purged).toEqual({ ok: completed.length });
    completed.forEach((id) => expect(q.body(id)).toBeUndefined());
    const after = await q.enqueue(mail(300), body(300));
    expect(q.body(after.id)?.equals(body(300))).toBe(true);

    await expectNothingFor(100, () => unhandled.length === 0, 'no unhandled rejection');
    expect(unhandled).toEqual([]);
  }, 30_000);

  it('fails an enqueue whose fsync is still pending when a later commit fails', async (ctx) => {
    if (disk.error) ctx.skip(`needs root to mount a 4 MB tmpfs (mount failed: ${disk.error})`);
    // Simulates what lmdb-js does with overlappingSync: the flush promise of a committed batch
    // is never settled when the next batch fails. Without the failure signal this would hang.
    let holdSync = false;
    const q = open({ waitDurable: () => (holdSync ? new Promise(() => undefined) : Promise.resolve()) });
    const { failure } = await fill(q);
    expect(isGatewayError(failure, 'E_STORAGE_FULL')).toBe(true);
    holdSync = true;
    const smallMail = mail(200);
    const small = settled(q.enqueue(smallMail, body(200, 100)), 5_000);
    for (let i = 0; i < 1_000 && q.get(smallMail.id) === undefined; i++) await new Promise(setImmediate);
    expect(q.get(smallMail.id)).toBeDefined(); // committed, waiting for its sync
    const big = await settled(q.enqueue(mail(201), body(201, 900 * 1024)), 5_000);
    expect(big).toMatchObject({ err: { code: 'E_STORAGE_FULL' } });
    const outcome = await small;
    expect(outcome).toMatchObject({ err: { code: 'E_STORAGE_FULL' } });
    expect(outcome !== 'hung' && 'err' in outcome && (outcome.err as Error).message).toContain('not confirmed on disk');
    expect(unhandled).toEqual([]);
  }, 30_000);

  it('completes mail whose body cannot be archived (archive disk full): the body stays in the queue', async (ctx) => {
    if (disk.error) ctx.skip(`needs root to mount a 4 MB tmpfs (mount failed: ${disk.error})`);
    // The queue on the roomy temp disk, only the archive on the 4 MB tmpfs.
    const q = openQueue({ storage: storageAt(base), archivePath: join(disk.path, 'archive'), retry, logger });
    queue = q;
    const ms = [];
    for (let n = 0; n < 8; n++) ms.push(await q.enqueue(mail(n), body(n, 1024 * 1024)));
    for (const m of ms) {
      const done = await settled(
        q.record(m.id, [{ address: 'b@example.test', outcome: 'delivered', reply: replyOf('250') }], 6_000),
        5_000,
      );
      expect(done).toMatchObject({ ok: { completedAt: 6_000 } });
    }
    expect(q.depth().messages).toBe(0);
    ms.forEach((m, n) => expect(q.body(m.id)?.equals(body(n, 1024 * 1024))).toBe(true));
    ms.forEach((m, n) => expect(q.headers(m.id)?.startsWith(`message ${n}\r\nmessage ${n}\r\n`)).toBe(true));
    await q.close();
    queue = undefined;
    // Some fit in the archive and left the queue, the rest stayed in the queue.
    const stores = openStores(storageAt(base));
    const inQueue = ms.filter((m) => stores.bodies.doesExist(m.id)).length;
    await closeStores(stores);
    expect(inQueue).toBeGreaterThan(0);
    expect(inQueue).toBeLessThan(ms.length);
    const again = openQueue({ storage: storageAt(base), archivePath: join(disk.path, 'archive'), retry, logger });
    queue = again;
    ms.forEach((m, n) => expect(again.body(m.id)?.equals(body(n, 1024 * 1024))).toBe(true));
    expect(await again.purgeCompleted(1e15)).toBe(ms.length);
    ms.forEach((m) => expect(again.body(m.id)).toBeUndefined());
    await expectNothingFor(100, () => unhandled.length === 0, 'no unhandled rejection');
    expect(unhandled).toEqual([]);
  }, 30_000);
});
