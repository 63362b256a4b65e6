import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newQueueId } from '../../../src/core/ids.js';
import type { NewMessage } from '../../../src/core/types.js';
import { openQueue, type LmdbQueue } from '../../../src/queue/lmdb-queue.js';
import { replyOf } from '../../helpers/smtp-replies.js';
import { storageAt } from '../../helpers/temp-storage.js';

/**
 * LMDB is memory-mapped: a body that delivery reads becomes resident file-backed memory.
 * Finished bodies leave the queue environment (they go to the archive, only written on the
 * hot path), so their pages are reused for new mail and RssFile stays bounded by the pending
 * working set instead of growing with every message ever delivered. Own file: its own
 * worker process, so other tests' mappings do not blur the numbers.
 */
const MESSAGES = 1_500;
const BATCH = 50;
const BODY_BYTES = 100 * 1024;
const MAX_GROWTH_MIB = 60;

let dir: string;
let queue: LmdbQueue | undefined;

function rssFileKiB(): number {
  const line = readFileSync('/proc/self/status', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('RssFile:'));
  const kib = Number(line?.match(/(\d+)/)?.[1]);
  if (!Number.isFinite(kib)) throw new Error('no RssFile in /proc/self/status');
  return kib;
}

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

/** One batch as the gateway runs it: enqueue, read each body once (delivery), record delivered. */
async function runBatch(q: LmdbQueue, first: number): Promise<string[]> {
  const numbers = Array.from({ length: BATCH }, (_, k) => first + k);
  const ms = await Promise.all(numbers.map((n) => q.enqueue(mail(n), Buffer.alloc(BODY_BYTES, `mail ${n}\r\n`))));
  for (const m of ms) expect(q.body(m.id)?.length).toBe(BODY_BYTES);
  await Promise.all(
    ms.map((m) =>
      q.record(m.id, [{ address: 'b@example.test', outcome: 'delivered', reply: replyOf('250 ok') }], 2_000),
    ),
  );
  return ms.map((m) => m.id);
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'postbode-archive-rss-'));
});

afterEach(async () => {
  await queue?.close();
  queue = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe('LmdbQueue memory with finished bodies archived', () => {
  it(`keeps file-backed RSS growth under ${MAX_GROWTH_MIB} MiB ` +
    `over ${MESSAGES} delivered 100 KB messages`, async () => {
    const q = openQueue({
      storage: storageAt(dir),
      retry: { initialDelayMs: 10, maxDelayMs: 100, maxAgeMs: 1e12, jitter: 0 },
      logger: pino({ level: 'silent' }),
    });
    queue = q;
    await runBatch(q, 0); // warm-up: the code paths and lmdb's own buffers, not what we measure
    const before = rssFileKiB();
    let last: string[] = [];
    for (let first = BATCH; first < MESSAGES; first += BATCH) last = await runBatch(q, first);
    const after = rssFileKiB();
    const growthMiB = (after - before) / 1024;
    console.log(
      `RssFile before ${(before / 1024).toFixed(1)} MiB, after ${(after / 1024).toFixed(1)} MiB, ` +
        `growth ${growthMiB.toFixed(1)} MiB`,
    );
    expect(q.depth().messages).toBe(0);
    expect(q.body(last.at(-1) ?? '')?.length).toBe(BODY_BYTES); // still served, from the archive
    expect(growthMiB).toBeLessThan(MAX_GROWTH_MIB);
  }, 60_000);
});
