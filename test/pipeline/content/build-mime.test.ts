import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { simpleParser, type ParsedMail } from 'mailparser';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildMime, pickHeaders } from '../../../src/pipeline/content/build-mime.js';
import { composeMessage, type ComposedMessage } from '../../../src/pipeline/content/compose.js';
import { contentSettingsSchema } from '../../../src/pipeline/content/content-settings.js';
import { detectDocument } from '../../../src/pipeline/detect/detect.js';
import { detectionInputFrom } from '../../../src/pipeline/detect/detection-input.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const fixture = (name: string) => new URL(`../../fixtures/content/${name}`, import.meta.url);
const KEEP = [
  'from',
  'to',
  'cc',
  'reply-to',
  'date',
  'message-id',
  'x-mailer',
  'dkim-signature',
  'content-type',
  'subject',
  'mime-version',
];

async function parse(name: string): Promise<ParsedMail> {
  return simpleParser(await readFile(fixture(name)), { keepCidLinks: true });
}

function composeFor(parsed: ParsedMail, layout: 'default' | 'none'): ComposedMessage {
  const settings = contentSettingsSchema.parse({
    layout,
    companyName: 'Acme',
    subjects: { invoice: { nl: 'Uw factuur %document-number% – €', fr: 'Votre facture %document-number% – €' } },
  });
  const detection = detectDocument(detectionInputFrom(parsed), []);
  return composeMessage(parsed, settings, detection, detection.language?.code ?? 'nl');
}

let nl: ParsedMail;
let fr: ParsedMail;
beforeAll(async () => {
  nl = await parse('legacy-invoice-nl.eml');
  fr = await parse('legacy-html-fr.eml');
});

describe('buildMime', () => {
  it.each(['legacy-invoice-nl.eml', 'legacy-html-fr.eml'])(
    'keeps every attachment of %s byte for byte',
    async (name) => {
      const original = name.includes('nl') ? nl : fr;
      const raw = await buildMime(composeFor(original, 'default'), pickHeaders(original.headerLines, KEEP));
      const back = await simpleParser(raw, { keepCidLinks: true });
      const summary = (m: ParsedMail) =>
        m.attachments.map((a) => ({
          filename: a.filename,
          contentType: a.contentType,
          cid: a.cid,
          sha: sha256(a.content),
        }));
      expect(original.attachments.length).toBeGreaterThan(1);
      expect(summary(back)).toEqual(summary(original));
    },
  );

  it(
    'writes CRLF only, the new subject, the kept headers, ' + 'and neither the old body headers nor the DKIM signature',
    async () => {
      const raw = await buildMime(composeFor(nl, 'default'), pickHeaders(nl.headerLines, KEEP));
      const textual = raw.toString('latin1');
      expect(textual).not.toMatch(/[^\r]\n|\r(?!\n)/);
      const head = textual.slice(0, textual.indexOf('\r\n\r\n'));
      expect(head).toContain('From: Bakkerij Jansen <facturen@jansen.example>\r\n');
      expect(head).toContain('Message-ID: <20240402100000.0012@legacy.jansen.example>\r\n');
      expect(head).toContain('Date: Tue, 02 Apr 2024 10:00:00 +0200\r\n');
      expect(head).toContain('X-Mailer: Legacy Boekhouding 7.1\r\n');
      expect(head).not.toMatch(/DKIM-Signature|legacy-boundary-1/i);
      expect(head.match(/^Subject:/gim)).toHaveLength(1);
      expect(head.match(/^Message-ID:/gim)).toHaveLength(1);
      expect(head.match(/^MIME-Version:/gim)).toHaveLength(1);
      const back = await simpleParser(raw);
      expect(back.subject).toBe('Uw factuur 2024-0012 – €');
      expect(back.to && !Array.isArray(back.to) ? back.to.text : '').toBe('"Piet Pieters" <piet@klant.example>');
    },
  );

  it('carries text and HTML as alternatives, and text only without a layout', async () => {
    const withHtml = await simpleParser(await buildMime(composeFor(nl, 'default'), []));
    expect(withHtml.text?.trim()).toBe(composeFor(nl, 'default').text);
    expect(typeof withHtml.html === 'string' && withHtml.html.includes('<html lang="nl">')).toBe(true);
    const raw = await buildMime(composeFor(nl, 'none'), []);
    expect(raw.toString('latin1')).not.toContain('text/html');
    expect((await simpleParser(raw)).html).toBe(false);
  });

  it('keeps an inline image related to the HTML that uses it', async () => {
    const settings = contentSettingsSchema.parse({ body: { invoice: 'keep' } });
    const composed = composeMessage(fr, settings, detectDocument(detectionInputFrom(fr), []), 'fr');
    const raw = await buildMime(composed, []);
    expect(raw.toString('latin1')).toMatch(/multipart\/related/);
    expect(raw.toString('latin1')).toContain('Content-ID: <logo@dupont>');
    const back = await simpleParser(raw, { keepCidLinks: true });
    expect(back.html).toContain('src="cid:logo@dupont"');
    expect(back.attachments[0]).toMatchObject({ cid: 'logo@dupont', related: true });
  });

  it('copies kept headers byte for byte, 8-bit and folded ones too', async () => {
    const original = await simpleParser(
      Buffer.from('From: Jöhn <j@x.example>\r\nX-Ref: a\r\n\tb\r\nSubject: old\r\n\r\nbody\r\n', 'utf8'),
    );
    const composed: ComposedMessage = {
      subject: 'new',
      text: 't',
      language: 'nl',
      subjectFrom: 'legacy',
      bodyFrom: 'legacy',
      attachments: [],
    };
    const raw = await buildMime(composed, original.headerLines);
    expect(raw.subarray(0, raw.indexOf('\r\n\r\n')).toString('utf8').split('\r\n').slice(0, 4)).toEqual([
      'From: Jöhn <j@x.example>',
      'X-Ref: a',
      '\tb',
      'Subject: new',
    ]);
  });

  it('never reads content from a path or URL', async () => {
    const composed: ComposedMessage = {
      subject: 's',
      text: 't',
      language: 'nl',
      subjectFrom: 'legacy',
      bodyFrom: 'legacy',
      attachments: [{ content: Buffer.from('/etc/passwd'), contentType: 'text/plain', filename: 'passwd' }],
    };
    const back = await simpleParser(await buildMime(composed, []));
    expect(back.attachments[0]?.content.toString()).toBe('/etc/passwd');
  });
});
