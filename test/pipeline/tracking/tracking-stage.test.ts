import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import type { RecipientState } from '../../../src/core/types.js';
import { nextRecord, openStatus } from '../../../src/feedback/opens/open-store.js';
import { countsAsRead, trackedCopies, trackingWanted } from '../../../src/pipeline/tracking/tracking-stage.js';
import { verifyToken } from '../../../src/feedback/opens/tracking-token.js';
import { MIN_HTML_FOR_PIXEL } from '../../../src/pipeline/tracking/pixel-threshold.js';

const KEY = Buffer.alloc(32, 7);
const recipient = (address: string, role?: RecipientState['role']): RecipientState => ({
  address,
  status: 'queued',
  attempts: 0,
  nextAttemptAt: 0,
  history: [],
  ...(role ? { role } : {}),
});
/** HTML long enough for a pixel (pixel-threshold.ts), and the same message too short for one. */
const PARAGRAPHS = '<p>Beste Jan, in bijlage vindt u de factuur voor de broden en het gebak van maart.</p>\r\n'.repeat(
  40,
);
const htmlMail = (body: string) =>
  Buffer.from(
    `From: a@x.example\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body>${body}</body></html>\r\n`,
  );
const HTML_MAIL = htmlMail(PARAGRAPHS);
const SHORT_HTML_MAIL = htmlMail('<p>Beste Jan, in bijlage vindt u uw factuur.</p>');
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

  it('a copy per recipient with its own pixel; the accountant token never counts; the archive none', async () => {
    const tracked = trackedCopies({ key: KEY, publicBaseUrl: 'https://p.example/' }, HTML_MAIL, 'Q9', [
      recipient('jan@x.example'),
      recipient('acc@z.example', 'accountant'),
      recipient('arch@y.example', 'archive'),
    ]);
    if (!('copies' in tracked)) throw new Error(`no copies: ${tracked.skipped}`);
    const copies = tracked.copies;
    expect([...copies.keys()]).toEqual(['jan@x.example', 'acc@z.example', 'arch@y.example']);
    expect(copies.get('arch@y.example')?.equals(HTML_MAIL)).toBe(true);
    const tokens: Record<string, ReturnType<typeof verifyToken>> = {};
    for (const address of ['jan@x.example', 'acc@z.example']) {
      const raw = copies.get(address)!;
      expect(raw.subarray(0, 60).equals(HTML_MAIL.subarray(0, 60))).toBe(true);
      const html = String((await simpleParser(raw)).html);
      const token = /https:\/\/p\.example\/t\/([A-Za-z0-9_-]+)\.gif/.exec(html)?.[1] ?? '';
      tokens[address] = verifyToken(KEY, token);
    }
    expect(tokens['jan@x.example']).toEqual({ messageId: 'Q9', recipient: 'jan@x.example', counts: true });
    expect(tokens['acc@z.example']).toEqual({ messageId: 'Q9', recipient: 'acc@z.example', counts: false });
  });

  it('no pixel in HTML too short for one: SpamAssassin would call it image-only', () => {
    const deps = { key: KEY, publicBaseUrl: 'https://p.example' };
    const short = trackedCopies(deps, SHORT_HTML_MAIL, 'Q', [recipient('a@x')]);
    expect(short).toMatchObject({ skipped: 'short-html' });
    expect(MIN_HTML_FOR_PIXEL).toBe(3200);
    // Just long enough: the HTML source counts, markup included, CRs not.
    const exact = htmlMail('x'.repeat(MIN_HTML_FOR_PIXEL - '<html><body></body></html>\n'.length));
    expect('copies' in trackedCopies(deps, exact, 'Q', [recipient('a@x')])).toBe(true);
    const oneLess = htmlMail('x'.repeat(MIN_HTML_FOR_PIXEL - '<html><body></body></html>\n'.length - 1));
    expect(trackedCopies(deps, oneLess, 'Q', [recipient('a@x')])).toMatchObject({ skipped: 'short-html' });
    // The tenant's choice (trackShortMessages): the pixel goes in all the same.
    expect('copies' in trackedCopies(deps, SHORT_HTML_MAIL, 'Q', [recipient('a@x')], true)).toBe(true);
  });

  it('nothing to track without HTML', () => {
    expect(trackedCopies({ key: KEY, publicBaseUrl: 'https://p.example' }, TEXT_MAIL, 'Q', [recipient('a@x')])).toEqual(
      { skipped: 'no-html-part' },
    );
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
