import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOT_LINKED_REPLY } from '../../../src/tenants/gmail/gmail-planner.js';
import { retryWaitingForLink } from '../../../src/tenants/gmail/retry-waiting.js';
import { openQueue } from '../../../src/queue/lmdb-queue.js';
import { replyOf } from '../../helpers/smtp-replies.js';
import { replyLine } from '../../../src/core/smtp-reply.js';
import { storageAt } from '../../helpers/temp-storage.js';

const logger = pino({ level: 'silent' });
type Queue = ReturnType<typeof openQueue>;

describe('retryWaitingForLink', () => {
  let dir: string;
  let queue: Queue;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'postbode-gmail-retry-'));
    queue = openQueue({
      storage: storageAt(dir),
      retry: { initialDelayMs: 600_000, maxDelayMs: 600_000, maxAgeMs: 86_400_000, jitter: 0 },
      logger,
    });
  });
  afterAll(async () => {
    await queue.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function deferredWith(id: string, tenantId: string, reply: string): Promise<void> {
    await queue.enqueue(
      {
        id,
        tenantId,
        kind: 'mail',
        envelope: { from: 'a@x.test', to: ['b@y.test'] },
        receivedAt: 1_000,
        client: { address: '127.0.0.1', helo: 'h' },
        messageId: `<${id}@x>`,
      },
      Buffer.from('Subject: s\r\n\r\nb\r\n'),
    );
    await queue.record(id, [{ address: 'b@y.test', outcome: 'deferred', reply: replyOf(reply) }], 2_000);
  }

  it("makes due only the tenant's mail that waited for the link", async () => {
    await deferredWith(
      '01JD4T8X9M2C5V7B3N6K0QWER1',
      'T1',
      '451 4.7.0 Gmail link broken: re-link needed (Google: invalid_grant, x)',
    );
    await deferredWith('01JD4T8X9M2C5V7B3N6K0QWER2', 'T1', replyLine(NOT_LINKED_REPLY));
    await deferredWith(
      '01JD4T8X9M2C5V7B3N6K0QWER3',
      'T1',
      '451 4.3.0 Gmail API answered 429 rateLimitExceeded: x, retry after 120 s',
    );
    await deferredWith('01JD4T8X9M2C5V7B3N6K0QWER4', 'T2', '451 4.7.0 Gmail link broken: re-link needed (y)');
    expect(await retryWaitingForLink(queue, 'T1', 3_000, logger)).toBe(2);
    const due = (id: string): number | undefined => queue.get(id)?.recipients[0]?.nextAttemptAt;
    expect(due('01JD4T8X9M2C5V7B3N6K0QWER1')).toBe(3_000);
    expect(due('01JD4T8X9M2C5V7B3N6K0QWER2')).toBe(3_000);
    expect(due('01JD4T8X9M2C5V7B3N6K0QWER3')).toBe(602_000);
    expect(due('01JD4T8X9M2C5V7B3N6K0QWER4')).toBe(602_000);
  });
});
