import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { QueuedMessage } from '../../src/core/types.js';
import { bounceAddress, newlyFailed, returnToSender, wantsDsn } from '../../src/delivery/bounce.js';
import { MemoryQueue } from '../helpers/memory-queue.js';
import { replyOf } from '../helpers/smtp-replies.js';

const logger = pino({ level: 'silent' });

async function failedMessage(queue: MemoryQueue, from: string, kind: 'mail' | 'dsn' = 'mail'): Promise<QueuedMessage> {
  await queue.enqueue(
    {
      id: 'Q1',
      tenantId: 'tenant-7',
      kind,
      envelope: { from, to: ['a@x.test', 'b@x.test', 'c@x.test'] },
      receivedAt: 1_000,
      client: { address: '127.0.0.1', helo: 'h' },
      messageId: '<m@x>',
    },
    Buffer.from('Subject: Invoice\r\nFrom: s@sender.test\r\n\r\nsecret body\r\n'),
  );
  await queue.record('Q1', [{ address: 'a@x.test', outcome: 'bounced', reply: replyOf('550 5.1.1 earlier') }], 1_500);
  return queue.record(
    'Q1',
    [
      { address: 'b@x.test', outcome: 'bounced', reply: replyOf('550 5.1.1 no') },
      { address: 'c@x.test', outcome: 'delivered', reply: replyOf('250 ok') },
    ],
    2_000,
  );
}

describe('bounce', () => {
  it('finds only the recipients this attempt made fail', async () => {
    const queue = new MemoryQueue();
    const after = await failedMessage(queue, 's@sender.test');
    expect(
      newlyFailed(after, [
        { address: 'b@x.test', outcome: 'bounced', reply: replyOf('') },
        { address: 'c@x.test', outcome: 'delivered', reply: replyOf('') },
      ]).map((r) => r.address),
    ).toEqual(['b@x.test']);
  });

  it('builds the bounce address from the local part, or keeps a full address', () => {
    expect(bounceAddress({ bounceFrom: 'MAILER-DAEMON', hostname: 'pb.test' })).toBe('MAILER-DAEMON@pb.test');
    expect(bounceAddress({ bounceFrom: 'bounces@other.test', hostname: 'pb.test' })).toBe('bounces@other.test');
  });

  it('queues one DSN from the null sender to the original sender, with the headers and without the body', async () => {
    const queue = new MemoryQueue();
    const after = await failedMessage(queue, 's@sender.test');
    const dsn = await returnToSender(
      { queue, logger, clock: () => 3_000, hostname: 'pb.test', bounceFrom: 'MAILER-DAEMON' },
      after,
      newlyFailed(after, [{ address: 'b@x.test', outcome: 'bounced', reply: replyOf('') }]),
    );
    expect(dsn).toMatchObject({
      kind: 'dsn',
      tenantId: 'tenant-7',
      envelope: { from: '', to: ['s@sender.test'] },
      receivedAt: 3_000,
    });
    expect(dsn!.messageId).toBe(`<${dsn!.id}@pb.test>`);
    const raw = queue.body(dsn!.id)!.toString();
    expect(raw).toContain('Subject: Invoice\r\n');
    expect(raw).toContain('Final-Recipient: rfc822; b@x.test');
    expect(raw).not.toContain('Final-Recipient: rfc822; a@x.test');
    expect(raw).not.toContain('secret body');
  });

  it('makes no DSN for a null sender or for a DSN', async () => {
    const nullSender = await failedMessage(new MemoryQueue(), '');
    const aDsn = await failedMessage(new MemoryQueue(), 's@sender.test', 'dsn');
    expect(wantsDsn(nullSender)).toBe(false);
    expect(wantsDsn(aDsn)).toBe(false);
    const queue = new MemoryQueue();
    const after = await failedMessage(queue, '');
    expect(
      await returnToSender(
        { queue, logger, clock: () => 3_000, hostname: 'pb.test', bounceFrom: 'MAILER-DAEMON' },
        after,
        after.recipients,
      ),
    ).toBeUndefined();
    expect(queue.messages.size).toBe(1);
  });

  it('logs and returns undefined when the DSN cannot be stored', async () => {
    const queue = new MemoryQueue();
    const after = await failedMessage(queue, 's@sender.test');
    queue.beforeDurable = async () => {
      throw new Error('E_STORAGE_FULL');
    };
    const result = await returnToSender(
      { queue, logger, clock: () => 3_000, hostname: 'pb.test', bounceFrom: 'MAILER-DAEMON' },
      after,
      after.recipients.slice(0, 1),
    );
    expect(result).toBeUndefined();
  });
});
