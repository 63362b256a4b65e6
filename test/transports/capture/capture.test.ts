import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCaptureTransport } from '../../../src/transports/capture/capture.js';
import { openCaptureMailbox } from '../../../src/transports/capture/capture-mailbox.js';
import { replyOf } from '../../helpers/smtp-replies.js';
import { replyLine } from '../../../src/core/smtp-reply.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'postbode-capture-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('capture transport', () => {
  it('delivers every recipient into the mailbox with a 250 naming the stored id', async () => {
    const mailbox = openCaptureMailbox(join(dir, 'mailbox'));
    const transport = createCaptureTransport(mailbox);
    const raw = Buffer.from('Subject: Invoice\r\n\r\nHi\r\n');
    const result = await transport.send({ from: 'a@example.test', to: ['b@example.test', 'c@example.test'] }, raw, {
      kind: 'capture',
    });
    const [stored] = await mailbox.list();
    expect(transport.name).toBe('capture');
    expect(stored?.envelope.to).toEqual(['b@example.test', 'c@example.test']);
    expect(result.recipients).toEqual(
      ['b@example.test', 'c@example.test'].map((address) => ({
        address,
        outcome: 'delivered',
        reply: replyOf(`250 2.0.0 captured in dev mailbox as ${stored?.id}`),
        nextHop: 'capture',
      })),
    );
    expect((await mailbox.raw(stored?.id ?? ''))?.equals(raw)).toBe(true);
    await transport.close();
  });

  it('defers every recipient when the mailbox cannot write', async () => {
    const mailboxDir = join(dir, 'mailbox');
    const mailbox = openCaptureMailbox(mailboxDir);
    await rm(mailboxDir, { recursive: true });
    await writeFile(mailboxDir, 'a file where the folder was');
    const result = await createCaptureTransport(mailbox).send({ from: '', to: ['b@example.test'] }, Buffer.from('x'), {
      kind: 'capture',
    });
    expect(result.recipients).toHaveLength(1);
    expect(result.recipients[0]).toMatchObject({ address: 'b@example.test', outcome: 'deferred', nextHop: 'capture' });
    expect(replyLine(result.recipients[0]!.reply)).toMatch(/^451 4\.3\.0 /);
  });
});
