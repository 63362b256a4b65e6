import { describe, expect, it } from 'vitest';
import { displayPhrase, formatMailbox } from '../../../src/mime/sender-address.js';
import { joinMessage, splitMessage } from '../../../src/mime/index.js';
import { applySenderIdentity, type SenderIdentity } from '../../../src/pipeline/sender/sender-identity.js';
import { stripHiddenHeaders } from '../../../src/pipeline/shared.js';

const legacy = Buffer.from(
  [
    'Received: from client (client [127.0.0.1])',
    '\tby gw.postbode.test with ESMTPSA id X; Mon, 2 Mar 2026 10:00:00 +0000',
    'From: "Vendor No-Reply" <noreply@vendor.test>',
    'Sender: someone@vendor.test',
    'To: Jan <jan@customer.test>',
    'Bcc: hidden@acme.test',
    'Subject: =?UTF-8?Q?Factuur_caf=C3=A9?=',
    'X-Long: one',
    '  two folded',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Body line',
    '',
  ].join('\r\n'),
  'latin1',
);

const forwarding: SenderIdentity = {
  from: { name: 'Acme Facturatie BV', address: 'acme@send.postbode.test' },
  replyToWins: 'tenant',
  keepOriginalFrom: true,
  replyTo: 'office@acme.test',
  legacyReplyToOwned: false,
  legacySenderOwned: false,
};

function rewrite(raw: Buffer, identity: SenderIdentity): string {
  return joinMessage(applySenderIdentity(stripHiddenHeaders(splitMessage(raw)), identity)).toString('latin1');
}

describe('sender identity stage', () => {
  it('rewrites From and Reply-To, keeps the legacy From in a trace header, leaves every other byte alone', () => {
    const out = rewrite(legacy, forwarding);
    expect(out).toBe(
      [
        'Received: from client (client [127.0.0.1])',
        '\tby gw.postbode.test with ESMTPSA id X; Mon, 2 Mar 2026 10:00:00 +0000',
        'From: "Acme Facturatie BV" <acme@send.postbode.test>',
        'To: Jan <jan@customer.test>',
        'Subject: =?UTF-8?Q?Factuur_caf=C3=A9?=',
        'X-Long: one',
        '  two folded',
        'Content-Type: text/plain; charset=utf-8',
        'X-Postbode-Original-From: "Vendor No-Reply" <noreply@vendor.test>',
        'Reply-To: <office@acme.test>',
        '',
        'Body line',
        '',
      ].join('\r\n'),
    );
  });

  it('lets an owned legacy Reply-To win when the tenant says so, and the tenant one otherwise', () => {
    const withReplyTo = Buffer.from('From: a@vendor.test\r\nReply-To: <legacy@vendor.test>\r\n\r\nx\r\n');
    expect(rewrite(withReplyTo, { ...forwarding, replyToWins: 'legacy', legacyReplyToOwned: true })).toContain(
      'Reply-To: <legacy@vendor.test>\r\n',
    );
    expect(rewrite(withReplyTo, { ...forwarding, replyToWins: 'legacy' })).toContain(
      'Reply-To: <office@acme.test>\r\n',
    );
    const tenantWins = rewrite(withReplyTo, forwarding);
    expect(tenantWins).toContain('Reply-To: <office@acme.test>\r\n');
    expect(tenantWins).not.toContain('legacy@vendor.test>\r\n\r\n');
  });

  it('handles a message without From (no trace header) and can leave the trace out', () => {
    const noFrom = Buffer.from('Subject: hi\r\n\r\nx\r\n');
    const out = rewrite(noFrom, forwarding);
    expect(out).toContain('From: "Acme Facturatie BV" <acme@send.postbode.test>\r\n');
    expect(out).not.toContain('X-Postbode-Original-From');
    expect(rewrite(legacy, { ...forwarding, keepOriginalFrom: false })).not.toContain('X-Postbode-Original-From');
  });

  it(
    'never turns the legacy From into a Reply-To, ' + 'and drops a legacy Reply-To or Sender the tenant does not own',
    () => {
      const out = rewrite(legacy, { ...forwarding, replyTo: undefined });
      expect(out).not.toContain('Reply-To');
      const withReplyTo = Buffer.from(
        'From: a@vendor.test\r\nSender: s@vendor.test\r\nReply-To: <legacy@vendor.test>\r\n' +
          'X-Postbode-Original-From: x@y.test\r\n\r\nx\r\n',
      );
      const kept = rewrite(withReplyTo, {
        replyToWins: 'tenant',
        keepOriginalFrom: true,
        legacyReplyToOwned: false,
        legacySenderOwned: false,
      });
      expect(kept).toBe('From: a@vendor.test\r\n\r\nx\r\n');
      const owned = rewrite(withReplyTo, {
        replyToWins: 'tenant',
        keepOriginalFrom: true,
        legacyReplyToOwned: true,
        legacySenderOwned: true,
      });
      expect(owned).toBe('From: a@vendor.test\r\nSender: s@vendor.test\r\nReply-To: <legacy@vendor.test>\r\n\r\nx\r\n');
    },
  );

  it('encodes non-ASCII display names as RFC 2047 words and quotes specials', () => {
    expect(formatMailbox('Bakkerij Müller & Zoon', 'b@x.test')).toBe(
      '=?UTF-8?B?QmFra2VyaWogTcO8bGxlciAmIFpvb24=?= <b@x.test>',
    );
    expect(displayPhrase('Acme "Best", Inc.')).toBe('"Acme \\"Best\\", Inc."');
    const long = formatMailbox('Ééééééééééééééééééééééééééééééééééééééééé', 'b@x.test');
    expect(long.split('\r\n ').length).toBeGreaterThan(1);
    for (const word of long.split(/\r\n | </)) expect(word.length).toBeLessThanOrEqual(75);
  });
});
