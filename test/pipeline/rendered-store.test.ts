import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newQueueId } from '../../src/core/ids.js';
import { storedRoute, type RenderedMessage } from '../../src/core/rendered.js';
import type { NewMessage } from '../../src/core/types.js';
import { openQueue, type LmdbQueue } from '../../src/queue/lmdb-queue.js';
import { replyOf } from '../helpers/smtp-replies.js';
import { storageAt } from '../helpers/temp-storage.js';

/** The queue's side of render once, on a real LMDB environment in a temp folder. */
describe('rendered messages in the queue', () => {
  let dir: string;
  let queue: LmdbQueue;
  const open = (): LmdbQueue =>
    openQueue({
      storage: storageAt(dir),
      retry: { initialDelayMs: 10, maxDelayMs: 100, maxAgeMs: 60_000, jitter: 0 },
      logger: pino({ level: 'silent' }),
    });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'postbode-rendered-'));
    queue = open();
  });
  afterEach(async () => {
    await queue.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function enqueue(to: string[]): Promise<string> {
    const now = Date.now();
    const message: NewMessage = {
      id: newQueueId(now),
      tenantId: 't1',
      kind: 'mail',
      envelope: { from: 'a@example.test', to },
      receivedAt: now,
      client: { address: '127.0.0.1', helo: 'invoicing' },
      messageId: `<${now}@example.test>`,
    };
    return (await queue.enqueue(message, Buffer.from('Subject: x\r\n\r\nbody\r\n'))).id;
  }

  const signed = Buffer.from('DKIM-Signature: v=1; t=1\r\nSubject: x\r\n\r\nbody\r\n');
  const smarthost = { kind: 'smarthost', name: 'default' } as const;
  const rendered = (fingerprint: string, to: string[], raw = signed): RenderedMessage => ({
    fingerprint,
    deliveries: to.map((a) => ({ route: smarthost, recipients: [a], from: `bounce+${a}@example.test`, raw })),
  });

  it('keeps deliveries with their bytes across a restart, each shared buffer once', async () => {
    const id = await enqueue(['b@example.test', 'c@example.test']);
    await queue.keepRendered(id, rendered('f1', ['b@example.test', 'c@example.test']));
    await queue.close();
    queue = open();
    const back = queue.rendered(id);
    expect(back?.fingerprint).toBe('f1');
    expect(back?.deliveries.map((d) => [d.recipients, d.from, d.raw.equals(signed)])).toEqual([
      [['b@example.test'], 'bounce+b@example.test@example.test', true],
      [['c@example.test'], 'bounce+c@example.test@example.test', true],
    ]);
  });

  it(
    'same settings: new deliveries replace the old for their recipients; ' + 'other settings replace everything',
    async () => {
      const id = await enqueue(['b@example.test', 'c@example.test']);
      await queue.keepRendered(id, rendered('f1', ['b@example.test', 'c@example.test']));
      const other = Buffer.from('Subject: y\r\n\r\nnew\r\n');
      await queue.keepRendered(id, rendered('f1', ['c@example.test'], other));
      expect(queue.rendered(id)?.deliveries.map((d) => [d.recipients[0], d.raw.toString('latin1')])).toEqual([
        ['b@example.test', signed.toString('latin1')],
        ['c@example.test', other.toString('latin1')],
      ]);
      await queue.keepRendered(id, rendered('f2', ['b@example.test'], other));
      expect(queue.rendered(id)?.deliveries.map((d) => d.recipients[0])).toEqual(['b@example.test']);
      expect(queue.rendered(id)?.fingerprint).toBe('f2');
    },
  );

  it('goes when the message completes; nothing is kept for an unknown or completed message', async () => {
    const id = await enqueue(['b@example.test']);
    await queue.keepRendered(id, rendered('f1', ['b@example.test']));
    await queue.record(id, [{ address: 'b@example.test', outcome: 'delivered', reply: replyOf('250 ok') }], Date.now());
    expect(queue.rendered(id)).toBeUndefined();
    await queue.keepRendered(id, rendered('f1', ['b@example.test']));
    await queue.keepRendered('01UNKNOWN0000000000000000', rendered('f1', ['b@example.test']));
    expect(queue.rendered(id)).toBeUndefined();
    expect(queue.rendered('01UNKNOWN0000000000000000')).toBeUndefined();
  });

  it('never stores a secret: relay and Gmail routes keep only their key and owner', () => {
    const hop = {
      host: 'mail.acme.test',
      port: 587,
      tls: 'starttls',
      rejectUnauthorized: true,
      user: 'u',
      pass: 'secret',
    } as const;
    expect(storedRoute({ kind: 'relay', key: 'k', owner: 't1', hop })).toEqual({
      kind: 'relay',
      key: 'k',
      owner: 't1',
    });
    const account = { address: 'a@gmail.test', aliases: [], refreshToken: 'token', dailyLimit: 10 };
    expect(storedRoute({ kind: 'gmail', key: 'g', owner: 't1', account })).toEqual({
      kind: 'gmail',
      key: 'g',
      owner: 't1',
    });
    expect(storedRoute({ kind: 'suppressed', reply: replyOf('550 5.1.1 suppressed') })).toBeUndefined();
  });
});
