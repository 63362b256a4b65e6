import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openQueue, type LmdbQueue } from '../../../src/queue/lmdb-queue.js';
import { storageAt } from '../../helpers/temp-storage.js';

const repoRoot = resolve(import.meta.dirname, '../../..');
const retry = { initialDelayMs: 10, maxDelayMs: 100, maxAgeMs: 60_000, jitter: 0 };
const ACKS_BEFORE_KILL = 37; // not a multiple of the 8 workers: the kill lands mid-batch

/**
 * The child: 8 workers enqueue random 20-80 KB bodies and print `ACK <id> <sha256>` once each
 * enqueue has resolved (the moment inbound would answer 250). It stops on its own after 2000.
 */
const childSource =
  `
import { createHash, randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { newQueueId } from './src/core/ids.ts';
import { openQueue } from './src/queue/lmdb-queue.ts';
import { openStorage } from './src/store/storage.ts';
const storage = openStorage({ dataDir: process.env.QUEUE_PATH, logger: pino({ level: 'silent' }) });
const queue = openQueue({ storage, retry: ${JSON.stringify(retry)}, ` +
  `logger: pino({ level: 'silent' }) });
let next = 0;
async function worker() {
  while (next < 2000) {
    const n = next++;
    const body = randomBytes(20000 + (n % 7) * 10000);
    const id = newQueueId();
    await queue.enqueue({ id, tenantId: 't1', kind: 'mail', ` +
  `envelope: { from: 'a@example.test', to: ['b@example.test'] },
      receivedAt: Date.now(), client: { address: '127.0.0.1', helo: 'child' }, messageId: '<' + n + '@child>' }, body);
    process.stdout.write('ACK ' + id + ' ' + createHash('sha256').update(body).digest('hex') + '\\n');
  }
}
await Promise.all(Array.from({ length: 8 }, worker));
`;

let dir: string;
let queue: LmdbQueue | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'postbode-crash-'));
});

afterEach(async () => {
  await queue?.close();
  queue = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** Runs the child until it has printed `count` ACKs, then SIGKILLs it; returns id → body hash. */
async function ackThenKill(path: string, count: number): Promise<Map<string, string>> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', childSource], {
    cwd: repoRoot,
    env: { ...process.env, QUEUE_PATH: path },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const acked = new Map<string, string>();
  const exited = new Promise<string | null>((done) => child.on('exit', (_code, signal) => done(signal)));
  for await (const line of createInterface({ input: child.stdout })) {
    const [word, id, hash] = line.split(' ');
    if (word === 'ACK' && id && hash) acked.set(id, hash);
    if (acked.size >= count) {
      child.kill('SIGKILL');
      break;
    }
  }
  const signal = await exited;
  if (signal !== 'SIGKILL') throw new Error(`child ended by itself (${String(signal)}): ${stderr}`);
  return acked;
}

describe('LmdbQueue after kill -9', () => {
  it('still holds every acknowledged message, body byte-identical, and due() returns it', async () => {
    const path = join(dir, 'queue');
    const acked = await ackThenKill(path, ACKS_BEFORE_KILL);
    expect(acked.size).toBeGreaterThanOrEqual(ACKS_BEFORE_KILL);

    queue = openQueue({ storage: storageAt(path), retry, logger: pino({ level: 'silent' }) });
    for (const [id, hash] of acked) {
      expect(queue.get(id)?.recipients[0]?.status).toBe('queued');
      const body = queue.body(id);
      expect(body && createHash('sha256').update(body).digest('hex')).toBe(hash);
    }
    const due = queue.due(Date.now() + 60_000, 10_000, new Set());
    const dueIds = new Set(due.map((m) => m.id));
    console.log(`kill -9 after ${acked.size} ACKs: ${due.length} messages found on reopen`);
    for (const id of acked.keys()) expect(dueIds.has(id)).toBe(true);
    // Mail that was in flight at the kill is either wholly there or wholly absent.
    for (const m of due) expect(queue.body(m.id)?.length).toBe(m.size);
    expect(queue.depth().messages).toBe(due.length);
  }, 30_000);
});
