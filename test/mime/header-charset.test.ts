import { describe, expect, it } from 'vitest';
import { reencodeHeaders } from '../../src/mime/header-charset.js';
import { joinMessage, splitMessage } from '../../src/mime/index.js';
import { parseMail } from '../../src/mime/parse-mail.js';

const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');

async function decoded(raw: Buffer): Promise<{ subject: string; from: string; to: string; head: string }> {
  const fixed = joinMessage(reencodeHeaders(splitMessage(raw)));
  const parsed = await parseMail(fixed);
  const head = fixed.toString('latin1', 0, fixed.indexOf('\r\n\r\n'));
  return {
    subject: parsed.subject ?? '',
    from: `${parsed.from?.value[0]?.name} <${parsed.from?.value[0]?.address}>`,
    to: JSON.stringify(parsed.to),
    head,
  };
}

describe('reencodeHeaders', () => {
  it('reads raw Latin-1 (Windows-1252) header bytes and writes them as RFC 2047 words: no U+FFFD', async () => {
    const raw = latin1(
      'From: "Jörg Müller" <facturen@acme.test>\r\nTo: Zoë Ærø <klant@example.net>\r\n' +
        'Subject: Factuur für Café – 2026\r\nContent-Type: text/plain\r\n\r\nbody\r\n',
    );
    // "–" is not Latin-1: Windows-1252 has it at 0x96
    raw[raw.indexOf(' 2026') - 1] = 0x96;
    const out = await decoded(raw);
    expect(out.subject).toBe('Factuur für Café – 2026');
    expect(out.from).toBe('Jörg Müller <facturen@acme.test>');
    expect(out.to).toContain('Zoë Ærø');
    expect(out.head).toMatch(/^[\x00-\x7f]*$/);
    expect(out.head).toContain('Subject: Factuur =?UTF-8?B?');
    expect(out.head.split('\r\n').every((l) => l.length <= 78)).toBe(true);
  });

  it('takes valid UTF-8 as UTF-8, even when the body declares Latin-1', async () => {
    const raw = Buffer.concat([
      Buffer.from('Subject: Rechnung für Jörg\r\n', 'utf8'),
      latin1('Content-Type: text/plain; charset=iso-8859-1\r\n\r\nbody\r\n'),
    ]);
    expect((await decoded(raw)).subject).toBe('Rechnung für Jörg');
  });

  it('uses the declared charset for bytes that are not UTF-8 (ISO-8859-2 here)', async () => {
    const raw = Buffer.concat([
      latin1('Subject: Faktura '),
      Buffer.from([0xb3, 0xf3, 0x64, 0xbc]), // "łódź" in ISO-8859-2
      latin1(
        '\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=iso-8859-2\r\n',
      ),
      latin1('\r\nx\r\n--b--\r\n'),
    ]);
    expect((await decoded(raw)).subject).toBe('Faktura łódź');
  });

  it('keeps an internationalised address as UTF-8 (it needs SMTPUTF8) and encodes only the name', () => {
    const raw = latin1('To: "Jörg" <jörg@example.net>\r\n\r\nx');
    const fixed = joinMessage(reencodeHeaders(splitMessage(raw)));
    const head = fixed.toString('utf8');
    expect(head).toContain('<jörg@example.net>');
    expect(head).toContain('=?UTF-8?B?');
  });

  it('writes a Latin-1 file name of a one-part message as a quoted encoded word', async () => {
    const raw = latin1(
      'Content-Type: application/pdf; name="Factuur_für.pdf"\r\n' +
        'Content-Disposition: attachment; filename=Rechnung_ä.pdf\r\n' +
        'Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n',
    );
    const fixed = joinMessage(reencodeHeaders(splitMessage(raw)));
    expect(fixed.every((b) => b < 0x80)).toBe(true);
    expect((await parseMail(fixed)).attachments[0]?.filename).toBe('Rechnung_ä.pdf');
    expect(fixed.toString('latin1')).toContain('application/pdf; name="=?UTF-8?B?');
  });

  it('returns the same object for an ASCII header block', () => {
    const m = splitMessage(latin1('Subject: plain\r\n\r\nbody ü\r\n'));
    expect(reencodeHeaders(m)).toBe(m);
  });
});
