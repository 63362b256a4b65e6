import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCaptureMailbox } from '../../../src/transports/capture/capture-mailbox.js';

let dir: string;
let now: number;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'postbode-mailbox-'));
  now = 1_700_000_000_000;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function message(subject: string, body = 'Hello'): Buffer {
  return Buffer.from(`From: a@example.test\r\nTo: b@example.test\r\nSubject: ${subject}\r\n\r\n${body}\r\n`);
}

describe('capture mailbox', () => {
  it('stores the exact bytes and a sidecar with envelope, time, decoded subject and size', async () => {
    const box = openCaptureMailbox(join(dir, 'mailbox'), { clock: () => now });
    const raw = message('=?UTF-8?Q?Factuur_2024-001_=E2=80=93_=C3=A9?=', 'body\r\n.\r\nSubject: not a header');
    const saved = await box.save({ from: 'a@example.test', to: ['b@example.test', 'c@example.test'] }, raw);
    expect(saved).toMatchObject({
      capturedAt: now,
      size: raw.length,
      subject: 'Factuur 2024-001 – é',
      envelope: { from: 'a@example.test', to: ['b@example.test', 'c@example.test'] },
    });
    expect((await box.raw(saved.id))?.equals(raw)).toBe(true);
    expect(await box.get(saved.id)).toEqual(saved);
    expect((await readdir(join(dir, 'mailbox'))).sort()).toEqual([`${saved.id}.eml`, `${saved.id}.json`]);
  });

  it('gives an empty subject when there is none, and reads one from a message that is only headers', async () => {
    const box = openCaptureMailbox(dir);
    expect((await box.save({ from: '', to: ['x@example.test'] }, Buffer.from('X-Test: 1\r\n\r\nbody'))).subject).toBe(
      '',
    );
    expect((await box.save({ from: '', to: ['x@example.test'] }, Buffer.from('Subject: only headers'))).subject).toBe(
      'only headers',
    );
  });

  it('lists newest first, with a limit', async () => {
    const box = openCaptureMailbox(dir, { clock: () => now });
    for (let i = 1; i <= 4; i++) {
      now += 1000;
      await box.save({ from: 'a@example.test', to: ['b@example.test'] }, message(`#${i}`));
    }
    expect((await box.list()).map((m) => m.subject)).toEqual(['#4', '#3', '#2', '#1']);
    expect((await box.list(2)).map((m) => m.subject)).toEqual(['#4', '#3']);
    expect(await box.list(0)).toEqual([]);
  });

  it('keeps only the newest maxMessages, deleting both files of older ones', async () => {
    const box = openCaptureMailbox(dir, { maxMessages: 3, clock: () => now });
    const ids: string[] = [];
    for (let i = 1; i <= 5; i++) {
      now += 1000;
      ids.push((await box.save({ from: 'a@example.test', to: ['b@example.test'] }, message(`#${i}`))).id);
    }
    expect((await box.list()).map((m) => m.subject)).toEqual(['#5', '#4', '#3']);
    expect(await readdir(dir)).toHaveLength(6);
    expect(await box.get(ids[0] as string)).toBeUndefined();
    expect(await box.raw(ids[1] as string)).toBeUndefined();
  });

  it('answers undefined for unknown ids and for ids that could name another file', async () => {
    const box = openCaptureMailbox(dir);
    expect(await box.get('01ARZ3NDEKTSV4RRFFQ69G5FAV')).toBeUndefined();
    expect(await box.raw('../../etc/passwd')).toBeUndefined();
    expect(await box.get('..%2F..%2Fetc')).toBeUndefined();
  });
});
