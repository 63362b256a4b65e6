import { readFile } from 'node:fs/promises';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { findHtmlPart } from '../../../src/pipeline/tracking/html-part.js';
import { pixelImg } from '../../../src/pipeline/tracking/pixel.js';
import { planPixel } from '../../../src/pipeline/tracking/pixel-plan.js';

/**
 * The pixel goes into the finished bytes: only the HTML part's body changes. Each case checks
 * that the bytes before and after that body are identical, that the decoded HTML is the
 * original plus exactly one pixel, and where it went.
 */
const URL_ = 'https://p.example/t/TOKEN.gif';
const IMG = pixelImg(URL_);
const FIXTURE = new URL('../../fixtures/tracking/html-qp-mixed.eml', import.meta.url);
const crlf = (text: string): Buffer => Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'utf8');

function copyOf(raw: Buffer): Buffer {
  const plan = planPixel(raw);
  if (plan === undefined) throw new Error('no plan');
  return plan.copy(URL_);
}

/** The edited copy changed nothing outside the HTML part's body. */
function onlyHtmlBodyChanged(raw: Buffer, copy: Buffer): void {
  const part = findHtmlPart(raw)!;
  expect(copy.subarray(0, part.start).equals(raw.subarray(0, part.start))).toBe(true);
  expect(copy.subarray(copy.length - (raw.length - part.end)).equals(raw.subarray(part.end))).toBe(true);
}

async function htmlOf(raw: Buffer): Promise<string> {
  return String((await simpleParser(raw)).html);
}

const BASE64_HTML = '<html><body><p>Beste klant, € 1.210,00</p><!-- </body> --></body></html>';

describe('planPixel over MIME', () => {
  it(
    'QP HTML in multipart/alternative inside mixed: unknown headers, text part and a malformed base64 ' +
      'attachment byte-identical',
    async () => {
      const raw = await readFile(FIXTURE);
      const copy = copyOf(raw);
      onlyHtmlBodyChanged(raw, copy);
      const text = copy.toString('latin1');
      expect(text).toContain('X-Legacy-Ledger: boekjaar=2024;\r\n\tdagboek=verkoop\r\n');
      expect(text).toContain(
        'JVBERi0xLjQKJcfs\r\nj6IKMSAwIG9iago8PC9UeXBlL0NhdGFsb2c+PgplbmRvYmoK*&^%\r\nAAA=A\r\nQ\r\n--outer-1--',
      );
      const before = await htmlOf(raw);
      const after = await htmlOf(copy);
      expect(after.split('<img').length).toBe(2);
      expect(after.replace(IMG, '')).toBe(before);
      expect(after.indexOf(IMG) + IMG.length).toBe(after.lastIndexOf('</body>'));
      // QP lines stay within 76 characters
      for (const line of copy.toString('latin1').split('\r\n')) expect(line.length).toBeLessThanOrEqual(998);
      const part = findHtmlPart(copy)!;
      for (const line of copy.toString('latin1', part.start, part.end).split('\r\n'))
        expect(line.length).toBeLessThanOrEqual(76);
    },
  );

  it('base64 HTML: that part re-encoded with its own line length, the rest identical', async () => {
    const encoded = Buffer.from(BASE64_HTML, 'utf8')
      .toString('base64')
      .replace(/.{1,64}/g, '$&\r\n');
    const raw = crlf(
      `From: a@x.example\nX-Unknown: keep me\nContent-Type: multipart/alternative; boundary=b\n\n` +
        `--b\nContent-Type: text/plain\n\nBeste klant\n` +
        `--b\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: base64\n\n` +
        `${encoded.replace(/\r\n/g, '\n')}--b--\n`,
    );
    const copy = copyOf(raw);
    onlyHtmlBodyChanged(raw, copy);
    const part = findHtmlPart(copy)!;
    const lines = copy
      .toString('latin1', part.start, part.end)
      .split('\r\n')
      .filter((l) => l !== '');
    expect(lines.slice(0, -1).every((l) => l.length === 64)).toBe(true);
    const html = await htmlOf(copy);
    expect(html).toBe(BASE64_HTML.replace('--></body>', `-->${IMG}</body>`));
  });

  it('a top-level 7bit HTML body without </body>: the pixel at the end, headers untouched', async () => {
    const raw = crlf('From: a@x.example\nX-Whatever: 1\nContent-Type: text/html\n\n<p>Beste klant</p>\n');
    const copy = copyOf(raw);
    onlyHtmlBodyChanged(raw, copy);
    expect(copy.toString('latin1')).toBe(
      `From: a@x.example\r\nX-Whatever: 1\r\nContent-Type: text/html\r\n\r\n<p>Beste klant</p>\r\n${IMG}`,
    );
  });

  it('a 7bit line near the line limit gets the pixel on a line of its own', () => {
    const long = `<body><p>${'x'.repeat(900)}</p></body>`;
    const copy = copyOf(crlf(`Content-Type: text/html\n\n${long}\n`)).toString('latin1');
    expect(copy).toContain(`</p>\r\n${IMG}\r\n</body>`);
  });

  it('multipart/related: the root HTML, not an HTML attachment or a later part', async () => {
    const raw = crlf(
      [
        'Content-Type: multipart/mixed; boundary=m',
        '',
        '--m',
        'Content-Type: multipart/related; boundary=r; type="text/html"',
        '',
        '--r',
        'Content-Type: text/html',
        '',
        '<body>root</body>',
        '--r',
        'Content-Type: image/png',
        'Content-ID: <logo>',
        'Content-Transfer-Encoding: base64',
        '',
        'iVBORw0KGgo=',
        '--r--',
        '--m',
        'Content-Type: text/html',
        'Content-Disposition: attachment; filename="copy.html"',
        '',
        '<body>attachment</body>',
        '--m--',
        '',
      ].join('\n'),
    );
    const copy = copyOf(raw).toString('latin1');
    expect(copy).toContain(`<body>root${IMG}</body>`);
    expect(copy).toContain('<body>attachment</body>');
    expect(copy.split('<img').length).toBe(2);
  });

  it(
    'nothing to do: no HTML, only an HTML attachment, a signed message, an unknown encoding or a non-ASCII ' +
      'charset',
    () => {
      for (const raw of [
        'Content-Type: text/plain\n\nhallo\n',
        'Content-Type: multipart/mixed; boundary=m\n\n--m\nContent-Type: text/plain\n\nhallo\n' +
          '--m\nContent-Type: text/html\nContent-Disposition: attachment\n\n<p>x</p>\n--m--\n',
        'Content-Type: multipart/signed; boundary=s; protocol="application/pkcs7-signature"\n\n' +
          '--s\nContent-Type: text/html\n\n<p>x</p>\n--s--\n',
        'Content-Type: text/html\nContent-Transfer-Encoding: x-uuencode\n\nbegin 644 x\n',
        'Content-Type: text/html; charset=utf-16le\n\n<\0p\0>\0',
        'Content-Type: text/html\n\n<p title="never closed',
      ]) {
        expect(planPixel(crlf(raw))).toBeUndefined();
      }
    },
  );

  it('an unterminated multipart and a part without headers are still walked', () => {
    const copy = copyOf(
      crlf(
        'Content-Type: multipart/mixed; boundary="a b"\n\npreamble\n--a b\n\nplain text part\n' +
          '--a b  \nContent-Type: text/html\n\n<body>x</body>\n',
      ),
    ).toString('latin1');
    expect(copy).toContain(`<body>x${IMG}</body>`);
  });

  it('each copy is independent: one pixel per copy, for its own URL', () => {
    const plan = planPixel(
      crlf('Content-Type: text/html\nContent-Transfer-Encoding: quoted-printable\n\n<body>a=3Db</body>\n'),
    )!;
    const one = plan.copy('https://p.example/t/ONE.gif').toString('latin1');
    const two = plan.copy('https://p.example/t/TWO.gif').toString('latin1');
    expect(one).toContain('ONE');
    expect(one).not.toContain('TWO');
    expect(two).toContain('TWO');
  });
});
