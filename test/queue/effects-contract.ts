import { expect, it } from 'vitest';
import type { EffectsStore } from '../../src/core/effects.js';
import { newQueueId } from '../../src/core/ids.js';
import type { MessageQueue, NewMessage } from '../../src/core/types.js';

/** The queue as the effects cases use it: the pipeline's writes, read back as delivery and the log do. */
export type EffectsQueue = EffectsStore & Pick<MessageQueue, 'get' | 'body' | 'due' | 'depth'>;

const T = 1_700_000_000_000;

/** An accountant copy as the pipeline queues it (also used by the LMDB-only failure case). */
export function mail(id: string, to = 'acct@x.test'): NewMessage {
  return {
    id,
    tenantId: 't1',
    kind: 'mail',
    envelope: { from: 'a@example.test', to: [to] },
    receivedAt: T,
    client: { address: '127.0.0.1', helo: 'gw.test' },
    messageId: `<${id}@example.test>`,
    roles: { [to]: 'accountant' },
  };
}

export const original = newQueueId(T);
export const copyId = newQueueId(T + 1);
export const note = { documentType: 'invoice', language: 'nl', lint: [], at: T };

/**
 * writeEffects (core/effects.ts): one plan's accountant copies and annotations, both or neither.
 * Called inside queueContract's describe, so every queue the contract runs on passes these too.
 */
export function effectsCases(current: () => EffectsQueue): void {
  it('writeEffects writes the copy and the annotation together; the copy is queued like any message', async () => {
    const queue = current();
    const written = await queue.writeEffects({
      copies: [{ message: mail(copyId), raw: Buffer.from('copy bytes') }],
      annotations: [{ queueId: original, note }],
    });
    expect(written.map((m) => m.id)).toEqual([copyId]);
    expect((await queue.get(copyId))?.recipients.map((r) => [r.address, r.status])).toEqual([
      ['acct@x.test', 'queued'],
    ]);
    expect((await queue.body(copyId))?.toString()).toBe('copy bytes');
    expect(queue.annotation(original)).toEqual(note);
    expect(queue.due(T + 10, 10, new Set()).map((m) => m.id)).toEqual([copyId]);
    expect(queue.depth().messages).toBe(1);
  });

  it('writeEffects leaves a copy already queued as it is (a retry built it again), still writes the note', async () => {
    const queue = current();
    await queue.writeEffects({ copies: [{ message: mail(copyId), raw: Buffer.from('first') }], annotations: [] });
    const again = await queue.writeEffects({
      copies: [{ message: mail(copyId), raw: Buffer.from('second') }],
      annotations: [{ queueId: original, note }],
    });
    expect(again).toEqual([]);
    expect((await queue.body(copyId))?.toString()).toBe('first');
    expect(queue.annotation(original)).toEqual(note);
    expect(queue.depth().messages).toBe(1);
  });

  it('writeEffects writes neither when one part cannot be written (a note that is not JSON)', async () => {
    const queue = current();
    const write = queue.writeEffects({
      copies: [{ message: mail(copyId), raw: Buffer.from('copy') }],
      annotations: [{ queueId: original, note: { at: 1n } }],
    });
    await expect(write).rejects.toMatchObject({ code: 'E_INVALID' });
    expect(await queue.get(copyId)).toBeUndefined();
    expect(queue.annotation(original)).toBeUndefined();
    expect(queue.depth().messages).toBe(0);
  });
}
