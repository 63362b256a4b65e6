import { describe, expect, it } from 'vitest';
import { joinMessage, splitMessage } from '../../../src/mime/index.js';
import { readPackageChoice, resolveTextName, withoutMarkers } from '../../../src/pipeline/content/package-choice.js';
import { withoutRawMarkers } from '../../../src/pipeline/content/strip-markers-raw.js';

const source = (subject: string, text: string, headers: Record<string, string> = {}) => ({
  subject,
  text,
  header: (name: string) => headers[name],
});

describe('readPackageChoice', () => {
  it('takes the header first, then the subject marker, then a marker in the first lines of the body', () => {
    const all = source('[text:b] Factuur', '[text:c]\nBeste', { 'x-postbode-text': ' a ' });
    expect(readPackageChoice(all)).toMatchObject({ text: 'a', textFrom: 'header' });
    expect(readPackageChoice(source('[text:b] Factuur', '[text:c]'))).toMatchObject({ text: 'b', textFrom: 'subject' });
    expect(readPackageChoice(source('Factuur', '\n\nBeste\n[TEXT: c ]'))).toMatchObject({
      text: 'c',
      textFrom: 'body',
    });
    expect(readPackageChoice(source('Factuur', `${'regel\n'.repeat(5)}[text:c]`)).text).toBeUndefined();
  });

  it('reads language and document type headers; unknown values are ignored with a note', () => {
    const ok = readPackageChoice(source('', '', { 'x-postbode-language': 'FR', 'x-postbode-document-type': 'Quote' }));
    expect(ok).toEqual({ language: 'fr', documentType: 'quote', notes: [] });
    const bad = readPackageChoice(source('', '', { 'x-postbode-language': 'frans!', 'x-postbode-document-type': 'x' }));
    expect(bad.language).toBeUndefined();
    expect(bad.documentType).toBeUndefined();
    expect(bad.notes).toHaveLength(2);
  });
});

describe('markers out', () => {
  it('a line holding only a marker goes with its line end; an inline marker with its trailing space', () => {
    expect(withoutMarkers('[text:a]\r\nBeste Jan,\r\n')).toBe('Beste Jan,\r\n');
    expect(withoutMarkers('[text:a] Factuur 1')).toBe('Factuur 1');
    expect(withoutMarkers('Geen marker [tekst]')).toBe('Geen marker [tekst]');
  });

  it('resolves names exactly, then ignoring case when only one matches', () => {
    expect(resolveTextName({ Herinnering: 1 }, 'herinnering')).toBe('Herinnering');
    expect(resolveTextName({ a: 1, A: 2 }, 'a')).toBe('a');
    expect(resolveTextName({ a: 1, A: 2 }, 'á')).toBeUndefined();
  });

  it('raw: subject and literal text parts lose the marker; base64 parts and attachments stay byte for byte', () => {
    const base64 = Buffer.from('[text:x] in base64\r\n').toString('base64');
    const raw = Buffer.from(
      [
        'Subject: [text:x] Factuur 7',
        'Content-Type: multipart/mixed; boundary="b"',
        '',
        '--b',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        '[text:x]',
        'Beste Jan,',
        '--b',
        'Content-Type: text/html',
        'Content-Transfer-Encoding: base64',
        '',
        base64,
        '--b',
        'Content-Type: text/csv',
        'Content-Disposition: attachment; filename="a.csv"',
        '',
        '[text:x];1',
        '--b--',
        '',
      ].join('\r\n'),
    );
    const out = joinMessage(withoutRawMarkers(splitMessage(raw))).toString('latin1');
    expect(out).toContain('Subject: Factuur 7\r\n');
    expect(out).toContain('quoted-printable\r\n\r\nBeste Jan,\r\n--b');
    expect(out).toContain(base64);
    expect(out).toContain('[text:x];1');
  });

  it('raw: a message without a marker is returned as it is', () => {
    const message = splitMessage(Buffer.from('Subject: Factuur\r\n\r\nBeste Jan,\r\n'));
    expect(withoutRawMarkers(message)).toBe(message);
  });
});
