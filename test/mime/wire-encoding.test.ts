import { describe, expect, it } from 'vitest';
import { parseMail } from '../../src/mime/parse-mail.js';
import { encodeQp, hasLongLine, wireEncode } from '../../src/mime/wire-encoding.js';

const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');
const maxLine = (raw: Buffer): number =>
  Math.max(
    ...raw
      .toString('latin1')
      .split('\r\n')
      .map((l) => l.length),
  );

describe('wireEncode', () => {
  it('returns the same Buffer for a 7-bit message with short lines', () => {
    const raw = latin1('Subject: x\r\n\r\nshort\r\n');
    expect(wireEncode(raw, { sevenBit: true })).toBe(raw);
  });

  it('re-encodes only the part with a line over 998 octets; the text decodes to the same', async () => {
    const long = `${'lorem ipsum '.repeat(120)}end`;
    const raw = latin1(
      'Subject: x\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n' +
        `--b\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n${long}\r\n` +
        '--b\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--b--\r\n',
    );
    const out = wireEncode(raw, { sevenBit: false });
    expect(maxLine(raw)).toBeGreaterThan(998);
    expect(maxLine(out)).toBeLessThanOrEqual(76);
    expect(out.toString('latin1')).toContain('Content-Transfer-Encoding: quoted-printable');
    expect(out.toString('latin1')).toContain('Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--b--');
    const parsed = await parseMail(out);
    expect(parsed.text?.trim()).toBe(long);
    expect(parsed.attachments[0]?.content.toString('latin1')).toBe('%PDF-');
  });

  it('with sevenBit, makes an 8-bit text body quoted-printable and an 8-bit attachment base64', async () => {
    const raw = latin1(
      'Subject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n' +
        '--b\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n' +
        'Prijs: 5, café\r\n--b\r\nContent-Type: application/octet-stream\r\n' +
        'Content-Transfer-Encoding: binary\r\n\r\n\xff\xfe\x00\x01\r\n--b--\r\n',
    );
    const out = wireEncode(raw, { sevenBit: true });
    expect(out.every((b) => b < 0x80)).toBe(true);
    const parsed = await parseMail(out);
    expect(parsed.text?.trim()).toBe('Prijs: 5, café');
    expect([...(parsed.attachments[0]?.content ?? [])]).toEqual([0xff, 0xfe, 0x00, 0x01]);
    expect(wireEncode(raw, { sevenBit: false })).toBe(raw);
  });

  it('adds MIME-Version and a charset to a plain message it re-encodes, so readers decode it', async () => {
    const raw = latin1('From: a@x.test\r\nSubject: x\r\n\r\nPrijs: caf\xe9\r\n');
    const out = wireEncode(raw, { sevenBit: true });
    expect(out.toString('latin1')).toBe(
      'From: a@x.test\r\nSubject: x\r\nContent-Transfer-Encoding: quoted-printable\r\n' +
        'Content-Type: text/plain; charset=windows-1252\r\nMIME-Version: 1.0\r\n\r\nPrijs: caf=E9\r\n',
    );
  });

  it('re-wraps a base64 attachment written as one long line', () => {
    const data = Buffer.alloc(3000, 7).toString('base64');
    const raw = latin1(`Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n${data}\r\n`);
    const out = wireEncode(raw, { sevenBit: true });
    expect(maxLine(out)).toBe(76);
    expect(Buffer.from(out.toString('latin1').split('\r\n\r\n')[1] ?? '', 'base64').equals(Buffer.alloc(3000, 7))).toBe(
      true,
    );
  });

  it('leaves a multipart/signed alone: an edit would break it', () => {
    const long = 'x'.repeat(1200);
    const type = 'Content-Type: multipart/signed; boundary=s; protocol="application/pgp-signature"';
    const signed = latin1(`${type}\r\n\r\n--s\r\n\r\n${long}\r\n--s--\r\n`);
    expect(wireEncode(signed, { sevenBit: true })).toBe(signed);
  });
});

describe('encodeQp', () => {
  it('keeps CRLF as hard breaks, escapes "=" and trailing whitespace, and cuts at 76', () => {
    const out = encodeQp(latin1(`a=b \r\n${'y'.repeat(200)}\tend\r\n`)).toString('latin1');
    expect(out.startsWith('a=3Db=20\r\n')).toBe(true);
    expect(out.split('\r\n').every((l) => l.length <= 76)).toBe(true);
    expect(out.replace(/=\r\n/g, '')).toContain(`${'y'.repeat(200)}\tend`);
  });
});

describe('hasLongLine', () => {
  it('counts octets before the CRLF', () => {
    expect(hasLongLine(latin1(`${'a'.repeat(998)}\r\n${'b'.repeat(998)}`))).toBe(false);
    expect(hasLongLine(latin1(`${'a'.repeat(998)}\r\n${'b'.repeat(999)}\r\n`))).toBe(true);
  });
});
