import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import type { RecipientState } from '../../../src/core/types.js';
import { nextRecord, openStatus } from '../../../src/feedback/opens/open-store.js';
import { countsAsRead, trackedCopies, trackingWanted } from '../../../src/pipeline/tracking/tracking-stage.js';
import { verifyToken } from '../../../src/feedback/opens/tracking-token.js';

const KEY = Buffer.alloc(32, 7);
const recipient = (address: string, role?: RecipientState['role']): RecipientState => ({
  address,
  status: 'queued',
  attempts: 0,
  nextAttemptAt: 0,
  history: [],
  ...(role ? { role } : {}),
});
const HTML_MAIL = Buffer.from(
  'From: a@x.example\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>Beste Jan</p></body></html>\r\n',
);
const TEXT_MAIL = Buffer.from('From: a@x.example\r\nContent-Type: text/plain\r\n\r\nBeste Jan\r\n');

describe('tracking stage', () => {
  it('applies only when asked, outside own-smtp mode, and never to copies', () => {
    expect(trackingWanted(true, 'forwarding', false)).toBe(true);
    expect(trackingWanted(false, 'forwarding', false)).toBe(false);
    expect(trackingWanted(true, 'own-smtp', false)).toBe(false);
    expect(trackingWanted(true, 'own-address', true)).toBe(false);
    expect(countsAsRead(recipient('a@x'))).toBe(true);
    expect(countsAsRead(recipient('a@x', 'archive'))).toBe(false);
  });

  it('one copy per recipient, each with its own pixel; the archive token never counts', async () => {
    const copies = trackedCopies({ key: KEY, publicBaseUrl: 'https://p.example/' }, HTML_MAIL, 'Q9', [
      recipient('jan@x.example'),
      recipient('arch@y.example', 'archive'),
    ]);
    expect([...copies!.keys()]).toEqual(['jan@x.example', 'arch@y.example']);
    const tokens: Record<string, ReturnType<typeof verifyToken>> = {};
    for (const [address, raw] of copies!) {
      expect(raw.subarray(0, 60).equals(HTML_MAIL.subarray(0, 60))).toBe(true);
      const html = String((await simpleParser(raw)).html);
      const token = /https:\/\/p\.example\/t\/([A-Za-z0-9_-]+)\.gif/.exec(html)?.[1] ?? '';
      tokens[address] = verifyToken(KEY, token);
    }
    expect(tokens['jan@x.example']).toEqual({ messageId: 'Q9', recipient: 'jan@x.example', counts: true });
    expect(tokens['arch@y.example']).toEqual({ messageId: 'Q9', recipient: 'arch@y.example', counts: false });
  });

  it('nothing to track without HTML', () => {
    expect(
      trackedCopies({ key: KEY, publicBaseUrl: 'https://p.example' }, TEXT_MAIL, 'Q', [recipient('a@x')]),
    ).toBeUndefined();
  });

  it('open records: counts per class, first open kept, read once a person opened', () => {
    const bot = nextRecord(undefined, {
      messageId: 'Q',
      recipient: 'a@x',
      userAgent: 'curl/8',
      openedAt: 100,
      deliveredAt: 0,
    });
    expect(openStatus(bot)).toBe('opened (probably automated)');
    const person = nextRecord(bot, {
      messageId: 'Q',
      recipient: 'a@x',
      userAgent: 'Mozilla/5.0 (Windows NT 10.0) Thunderbird/115',
      openedAt: 60_000,
      deliveredAt: 0,
    });
    expect(person).toMatchObject({
      firstOpenAt: 100,
      lastOpenAt: 60_000,
      count: 2,
      humanOpens: 1,
      automatedOpens: 1,
      firstHumanOpenAt: 60_000,
    });
    expect(openStatus(person)).toBe('read');
  });
});
