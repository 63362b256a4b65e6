import { describe, expect, it } from 'vitest';
import { alertReason } from '../../src/feedback/bounce-alerts/alert-reason.js';
import { alertMail, type AlertItem } from '../../src/feedback/bounce-alerts/alert-mail.js';
import { alertLanguage } from '../../src/feedback/bounce-alerts/alert-texts.js';

const item: AlertItem = {
  queueId: '01ABC',
  address: 'klant@example.com',
  event: 'bounced',
  reply: '550 5.1.1 <klant@example.com>: Recipient address rejected',
  document: 'invoice 2024-017',
  hours: 0,
  at: 0,
};

describe('bounce alert words', () => {
  it.each([
    ['550 5.1.1 <x@y>: Recipient address rejected', 'mailbox-unknown'],
    ['550-5.1.1 The email account that you tried to reach does not exist', 'mailbox-unknown'],
    ['550 5.1.2 bad destination domain', 'domain-unknown'],
    ['552 5.2.2 mailbox full', 'mailbox-full'],
    ['552 5.3.4 message too big', 'too-big'],
    ['550 5.7.1 rejected as spam', 'blocked'],
    ['550 User unknown', 'mailbox-unknown'],
    ['554 transaction failed', 'refused'],
  ])('%s → %s', (reply, reason) => {
    expect(alertReason(reply, 'bounced')).toBe(reason);
  });

  it('a deferral is "delayed" whatever the reply says', () => {
    expect(alertReason('450 4.2.2 mailbox full', 'deferred')).toBe('delayed');
  });

  it('writes the issue example in English, and each of nl, fr, de; other languages fall back to English', () => {
    const mail = (language: 'en' | 'nl' | 'fr' | 'de') =>
      alertMail({
        id: '01XYZ',
        to: 'office@acme.test',
        from: 'MAILER-DAEMON@gw.test',
        hostname: 'gw.test',
        language,
        items: [item],
        linkOf: (id) => `https://pb.test/settings?message=${id}#/messages`,
        now: 0,
      }).toString('utf8');
    expect(mail('en')).toContain(
      'Your invoice 2024-017 to klant@example.com could not be delivered: the mailbox does not exist.\r\n' +
        'Check the address and resend: https://pb.test/settings?message=01ABC#/messages',
    );
    expect(mail('nl')).toContain('kon niet afgeleverd worden: de mailbox bestaat niet.');
    expect(mail('fr')).toContain("la boîte aux lettres n'existe pas");
    expect(mail('de')).toContain('das Postfach existiert nicht');
    expect(alertLanguage('es-ES')).toBe('en');
    expect(alertLanguage('fr-BE')).toBe('fr');
  });

  it('keeps a hostile subject on one header line', () => {
    const raw = alertMail({
      id: '01XYZ',
      to: 'office@acme.test',
      from: 'MAILER-DAEMON@gw.test',
      hostname: 'gw.test',
      language: 'en',
      items: [{ ...item, document: undefined, subject: 'x\r\nBcc: evil@example.com' } as AlertItem],
      linkOf: () => 'https://pb.test/',
      now: 0,
    }).toString('utf8');
    expect(raw).not.toMatch(/\r\nBcc:/);
  });
});
