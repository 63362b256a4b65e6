import { describe, expect, it } from 'vitest';
import type { QueuedMessage } from '../../src/core/types.js';
import type { DsnRecipient } from '../../src/feedback/dsn-parse.js';
import { dsnForTokenRecipient } from '../../src/feedback/dsn-scope.js';

const message = {
  recipients: [
    { address: 'een@customer.test', status: 'delivered' },
    { address: 'twee@customer.test', status: 'delivered' },
    { address: 'archief@acme.test', status: 'delivered', role: 'archive' },
  ],
} as unknown as QueuedMessage;
const failed = (recipient: string, originalRecipient?: string): DsnRecipient => ({
  recipient,
  action: 'failed',
  status: '5.1.1',
  ...(originalRecipient ? { originalRecipient } : {}),
});

describe('dsnForTokenRecipient', () => {
  it("keeps the token's recipient and ignores the others it lists", () => {
    const scoped = dsnForTokenRecipient(
      { recipients: [failed('TWEE@customer.test'), failed('Een@Customer.test')] },
      message,
      0,
    );
    expect(scoped.dsn.recipients.map((r) => r.recipient)).toEqual(['een@customer.test']);
    expect(scoped.ignored).toBe(1);
  });

  it('applies nothing when only another recipient is listed', () => {
    expect(dsnForTokenRecipient({ recipients: [failed('een@customer.test')] }, message, 1)).toMatchObject({
      dsn: { recipients: [] },
      ignored: 1,
    });
  });

  it(
    "reads an address the message never went to as the token's recipient rewritten downstream; " +
      'Original-Recipient counts',
    () => {
      expect(
        dsnForTokenRecipient({ recipients: [failed('jan@elders.test')] }, message, 1).dsn.recipients.map(
          (r) => r.recipient,
        ),
      ).toEqual(['twee@customer.test']);
      expect(
        dsnForTokenRecipient(
          { recipients: [failed('jan@elders.test', 'twee@customer.test')] },
          message,
          1,
        ).dsn.recipients.map((r) => r.recipient),
      ).toEqual(['twee@customer.test']);
    },
  );

  it("lets the first client recipient's token name the archive rider of its transaction, no other token", () => {
    expect(
      dsnForTokenRecipient({ recipients: [failed('archief@acme.test')] }, message, 0).dsn.recipients.map(
        (r) => r.recipient,
      ),
    ).toEqual(['archief@acme.test']);
    expect(dsnForTokenRecipient({ recipients: [failed('archief@acme.test')] }, message, 1)).toMatchObject({
      dsn: { recipients: [] },
      ignored: 1,
    });
  });

  it('an index outside the message names nobody', () => {
    expect(dsnForTokenRecipient({ recipients: [failed('een@customer.test')] }, message, 7).dsn.recipients).toEqual([]);
  });
});
