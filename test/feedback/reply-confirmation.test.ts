import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewMessage } from '../../src/core/types.js';
import { closeMxStores, openMxStores, type MxStores } from '../../src/feedback/mx-stores.js';
import { createReplyConfirmation } from '../../src/feedback/reply-confirmation.js';
import { lmdbReplyTargets } from '../../src/feedback/reply-targets.js';
import { storageAt } from '../helpers/temp-storage.js';

let dir: string;
let stores: MxStores;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'postbode-reply-confirm-'));
  stores = openMxStores(storageAt(dir));
});
afterAll(async () => {
  await closeMxStores(stores);
  await rm(dir, { recursive: true, force: true });
});

const TENANT = '01JD4T8X9M2C5V7B3N6K0QWERT';
const LIMITED = '01JD4T8X9M2C5V7B3N6K0LIMIT';
const DAY = 24 * 3600_000;

function setup() {
  let now = Date.UTC(2026, 11, 7);
  const mailed: Array<{ message: NewMessage; raw: string }> = [];
  const confirmation = createReplyConfirmation({
    targets: lmdbReplyTargets(stores.replyTargets),
    queue: {
      enqueue: async (message: NewMessage, body: Buffer) => {
        mailed.push({ message, raw: body.toString('utf8') });
        return {} as never;
      },
      list: () => ({ messages: [] }),
      retryNow: async () => ({}) as never,
    } as never,
    domainVerified: (domain, tenantId) => domain === 'acme.test' && tenantId === TENANT,
    tenantName: async () => 'Acme',
    confirmUrl: 'https://gw.test/reply-address/confirm',
    hostname: 'gw.test',
    from: 'MAILER-DAEMON@gw.test',
    clock: () => now,
    logger: pino({ level: 'silent' }),
    onQueued: () => undefined,
  });
  const tokenOf = (i: number): string => /token=(\S+)/.exec(mailed[i]!.raw)![1]!;
  return {
    confirmation,
    mailed,
    tokenOf,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('reply confirmation', () => {
  it(
    'an address on a domain the tenant verified is confirmed without a mail; ' + 'for another tenant it is not',
    async () => {
      const { confirmation, mailed } = setup();
      await confirmation.onReplyToSaved(TENANT, 'Office@Acme.test');
      expect(mailed).toHaveLength(0);
      expect(await confirmation.status(TENANT, 'office@acme.test')).toBe(true);
      expect(await confirmation.isConfirmed('01JD4T8X9M2C5V7B3N6K0OTHER', 'office@acme.test')).toBe(false);
    },
  );

  it('a link expires after 7 days and works once', async () => {
    const { confirmation, tokenOf, advance } = setup();
    await confirmation.onReplyToSaved(TENANT, 'a@elders.test');
    const first = tokenOf(0);
    advance(7 * DAY + 1);
    expect(confirmation.addressOf(first)).toBeUndefined();
    expect(await confirmation.confirm(first)).toBeUndefined();
    expect(await confirmation.resend(TENANT, 'a@elders.test')).toMatchObject({ kind: 'sent' });
    expect(await confirmation.confirm(tokenOf(1))).toEqual({ tenantId: TENANT, address: 'a@elders.test' });
    expect(await confirmation.confirm(tokenOf(1))).toBeUndefined();
    expect(await confirmation.isConfirmed(TENANT, 'A@elders.test')).toBe(true);
  });

  it(
    'mails at most 5 links a day, a minute apart, ' + 'whatever the addresses; a refused resend keeps the pending link',
    async () => {
      const { confirmation, mailed, tokenOf, advance } = setup();
      for (let i = 0; i < 5; i++) {
        await confirmation.onReplyToSaved(LIMITED, `x${i}@elders.test`);
        expect(mailed).toHaveLength(i + 1);
        expect(await confirmation.resend(LIMITED, `x${i}@elders.test`)).toMatchObject({ kind: 'rate-limited' });
        advance(61_000);
      }
      const pending = tokenOf(4);
      expect(await confirmation.resend(LIMITED, 'x4@elders.test')).toMatchObject({
        kind: 'rate-limited',
        retryAfterMs: expect.any(Number),
      });
      expect(confirmation.addressOf(pending)).toBe('x4@elders.test');
      await confirmation.onReplyToSaved(LIMITED, 'y@elders.test');
      expect(mailed).toHaveLength(5);
      expect(confirmation.addressOf(pending)).toBeUndefined();
      advance(DAY);
      expect(await confirmation.resend(LIMITED, 'y@elders.test')).toMatchObject({ kind: 'sent' });
    },
  );
});
