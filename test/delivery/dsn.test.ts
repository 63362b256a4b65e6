import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import type { QueuedMessage, RecipientState } from '../../src/core/types.js';
import { buildDsn, dsnStatus, headerBlockOf } from '../../src/delivery/dsn.js';
import { rfc5322Date } from '../../src/core/rfc5322-date.js';

const original: QueuedMessage = {
  id: '01JQUEUEID0000000000000000',
  tenantId: 'tenant-1',
  kind: 'mail',
  envelope: { from: 'billing@sender.test', to: ['gone@dest.test', 'slow@dest.test', 'ok@dest.test'] },
  recipients: [],
  receivedAt: Date.UTC(2026, 2, 2, 10, 0, 0),
  size: 100,
  client: { address: '192.0.2.10', helo: 'erp.sender.test' },
  messageId: '<orig-1@sender.test>',
  subject: 'Invoice 42',
};

function recipient(address: string, status: RecipientState['status'], reply: string, nextHop?: string): RecipientState {
  return {
    address,
    status,
    attempts: 1,
    nextAttemptAt: 0,
    lastReply: reply,
    history: [
      {
        at: Date.UTC(2026, 2, 2, 10, 5, 0),
        outcome: status === 'expired' ? 'deferred' : 'bounced',
        reply,
        ...(nextHop ? { nextHop } : {}),
      },
    ],
  };
}

const bounced = recipient(
  'gone@dest.test',
  'bounced',
  '550 5.1.1 <gone@dest.test>: Recipient address rejected',
  'mx1.dest.test[192.0.2.25]:25',
);
const expired: RecipientState = {
  ...recipient('slow@dest.test', 'expired', '451 4.4.1 Try later', 'smtp.relay.test:587'),
  lastReply: 'delivery time expired',
};
const headers = Buffer.from(
  'From: Billing <billing@sender.test>\nTo: gone@dest.test\nSubject: Invoice 42\nMessage-ID: <orig-1@sender.test>\n',
);

function build(failed: RecipientState[] = [bounced, expired]): Buffer {
  return buildDsn({
    original,
    originalHeaders: headers,
    failed,
    hostname: 'postbode.test',
    from: 'MAILER-DAEMON@postbode.test',
    now: Date.UTC(2026, 2, 2, 10, 6, 0),
    id: '01JDSNID000000000000000000',
  });
}

describe('buildDsn', () => {
  it('makes an RFC 3464 multipart/report with the three parts and the right headers', async () => {
    const parsed = await simpleParser(build());
    expect(parsed.from?.value[0]).toEqual({ name: 'Mail Delivery System', address: 'MAILER-DAEMON@postbode.test' });
    expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.value[0]?.address : undefined).toBe(
      'billing@sender.test',
    );
    expect(parsed.subject).toBe('Undelivered Mail Returned to Sender');
    expect(parsed.messageId).toBe('<01JDSNID000000000000000000@postbode.test>');
    expect(parsed.date?.getTime()).toBe(Date.UTC(2026, 2, 2, 10, 6, 0));
    expect(parsed.headers.get('auto-submitted')).toBe('auto-replied');
    expect(parsed.headers.get('mime-version')).toBe('1.0');
    const contentType = parsed.headers.get('content-type') as { value: string; params: Record<string, string> };
    expect(contentType.value).toBe('multipart/report');
    expect(contentType.params['report-type']).toBe('delivery-status');

    // the human part names the recipients and says which expired
    expect(parsed.text).toContain('<gone@dest.test>: refused by mx1.dest.test: 550 5.1.1');
    expect(parsed.text).toMatch(/<slow@dest\.test>: delivery time expired; the last reply was: 451 4\.4\.1 Try later/);
    const rfc822Headers = parsed.attachments.find((a) => a.contentType === 'text/rfc822-headers');
    expect(rfc822Headers?.content.toString()).toBe(headers.toString().replace(/\n/g, '\r\n'));
  });

  it('writes per-message and per-recipient delivery-status fields', () => {
    const raw = build().toString();
    const report = raw.slice(raw.indexOf('Content-Type: message/delivery-status'));
    expect(report).toContain('Reporting-MTA: dns; postbode.test\r\n');
    expect(report).toContain(`Arrival-Date: ${rfc5322Date(original.receivedAt)}\r\n`);
    expect(report).toContain(
      [
        'Final-Recipient: rfc822; gone@dest.test',
        'Action: failed',
        'Status: 5.1.1',
        'Remote-MTA: dns; mx1.dest.test',
        'Diagnostic-Code: smtp; 550 5.1.1 <gone@dest.test>: Recipient address rejected',
      ].join('\r\n'),
    );
    expect(report).toContain(
      [
        'Final-Recipient: rfc822; slow@dest.test',
        'Action: failed',
        'Status: 4.4.7',
        'Remote-MTA: dns; smtp.relay.test',
        'Diagnostic-Code: smtp; 451 4.4.1 Try later',
      ].join('\r\n'),
    );
    expect(report).not.toContain('ok@dest.test');
  });

  it('uses CRLF line endings only', () => {
    const raw = build().toString('latin1');
    expect(raw).not.toMatch(/[^\r]\n/);
    expect(raw).not.toMatch(/\r[^\n]/);
    expect(raw.endsWith('--\r\n')).toBe(true);
  });

  it('keeps header lines single even when a remote reply spans lines', () => {
    const sneaky = recipient('x@dest.test', 'bounced', '550 5.7.1 Bad\r\nX-Injected: yes');
    const raw = build([sneaky]).toString();
    expect(raw).not.toMatch(/^X-Injected/m);
    expect(raw).toContain('Diagnostic-Code: smtp; 550 5.7.1 Bad X-Injected: yes');
  });

  it('encodes a UTF-8 subject in base64 and keeps 8-bit original headers byte for byte', async () => {
    const utf8Headers = Buffer.from('Subject: Factuur – één\r\n', 'utf8');
    const raw = buildDsn({
      original: { ...original, subject: 'Factuur – één' },
      originalHeaders: utf8Headers,
      failed: [bounced],
      hostname: 'postbode.test',
      from: 'MAILER-DAEMON@postbode.test',
      now: 0,
      id: 'D1',
    });
    expect(raw.includes(utf8Headers)).toBe(true);
    const parsed = await simpleParser(raw);
    expect(parsed.text).toContain('Subject: Factuur – één');
  });
});

describe('dsnStatus', () => {
  const withReply = (reply: string, status: RecipientState['status'] = 'bounced') =>
    recipient('a@x.test', status, reply);
  it('takes a permanent enhanced code from the reply', () => {
    expect(dsnStatus(withReply('554 5.7.1 Spam'))).toBe('5.7.1');
    expect(dsnStatus(withReply('556 5.1.10 null MX'))).toBe('5.1.10');
    expect(dsnStatus(withReply('550-5.2.2 Mailbox full'))).toBe('5.2.2');
  });
  it('falls back to 5.0.0 without a permanent enhanced code', () => {
    expect(dsnStatus(withReply('550 No such user'))).toBe('5.0.0');
    expect(dsnStatus(withReply('550 4.1.1 odd'))).toBe('5.0.0');
    expect(dsnStatus(withReply('Invalid recipient "a<b"'))).toBe('5.0.0');
  });
  it('reports expiry as 4.4.7', () => {
    expect(dsnStatus(withReply('451 4.4.1 later', 'expired'))).toBe('4.4.7');
  });
});

describe('headerBlockOf', () => {
  it('returns the original headers only, capped at 100 KB at a line end', () => {
    expect(headerBlockOf(Buffer.from('A: 1\nB: 2\n\nbody')).toString()).toBe('A: 1\nB: 2\n');
    const huge = Buffer.from(`${'X-Long: aaaaaaaaaa\r\n'.repeat(10_000)}\r\nbody`);
    const block = headerBlockOf(huge);
    expect(block.length).toBeLessThanOrEqual(100 * 1024);
    expect(block.toString().endsWith('\r\n')).toBe(true);
  });
});
