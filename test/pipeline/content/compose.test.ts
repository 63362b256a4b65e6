import { readFile } from 'node:fs/promises';
import { simpleParser, type ParsedMail } from 'mailparser';
import { beforeAll, describe, expect, it } from 'vitest';
import { composeMessage } from '../../../src/pipeline/content/compose.js';
import { contentSettingsSchema, type ContentSettingsInput } from '../../../src/pipeline/content/content-settings.js';
import { detectDocument } from '../../../src/pipeline/detect/detect.js';
import { detectionInputFrom } from '../../../src/pipeline/detect/detection-input.js';

const fixture = (name: string) => new URL(`../../fixtures/content/${name}`, import.meta.url);
let nl: ParsedMail;
let fr: ParsedMail;

beforeAll(async () => {
  nl = await simpleParser(await readFile(fixture('legacy-invoice-nl.eml')), { keepCidLinks: true });
  fr = await simpleParser(await readFile(fixture('legacy-html-fr.eml')), { keepCidLinks: true });
});

const TENANT: ContentSettingsInput = {
  companyName: 'Bakkerij Jansen',
  subjects: {
    invoice: {
      nl: '%Document-type% %document-number% van %company-name%',
      fr: '%Document-type% %document-number% - %company-name%',
    },
  },
  texts: {
    Facturen: {
      nl:
        'Beste %client-name%,\n\nIn bijlage vindt u %document-type% %document-number% van %amount%.\nGelieve te ' +
        'betalen vóór %due-date% op %iban%.\n\nMet vriendelijke groeten,\n%company-name%',
      fr: 'Bonjour %client-name%,\n\nVeuillez trouver ci-joint la %document-type% %document-number%.',
    },
  },
  defaultTexts: { invoice: 'Facturen' },
  body: { invoice: 'replace' },
  constants: { iban: 'BE71 0961 2345 6769' },
};

function compose(parsed: ParsedMail, over: ContentSettingsInput, language: string) {
  const settings = contentSettingsSchema.parse({ ...TENANT, ...over });
  return composeMessage(parsed, settings, detectDocument(detectionInputFrom(parsed), settings.rules), language);
}

const NL_TEXT =
  'Beste Piet Pieters,\n\nIn bijlage vindt u factuur 2024-0012 van € 1.210,00.\nGelieve te betalen vóór ' +
  '02-05-2024 op BE71 0961 2345 6769.\n\nMet vriendelijke groeten,\nBakkerij Jansen';

describe('composeMessage', () => {
  it('default layout, Dutch: subject template, replaced text, wrapped HTML, attachments kept', () => {
    const out = compose(nl, {}, 'nl');
    expect(out.subject).toBe('Factuur 2024-0012 van Bakkerij Jansen');
    expect(out.text).toBe(NL_TEXT);
    expect(out).toMatchObject({ language: 'nl', subjectFrom: 'template', bodyFrom: 'text' });
    const html = out.html ?? '';
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="nl">')).toBe(true);
    expect(html).toContain('<title>Factuur 2024-0012 van Bakkerij Jansen</title>');
    expect(html).toContain(
      '<p style="margin:0 0 16px 0;">Beste Piet Pieters,</p>\n<p style="margin:0 0 16px 0;">In bijlage vindt u ' +
        'factuur 2024-0012 van € 1.210,00.<br>\nGelieve te betalen vóór 02-05-2024 op BE71 0961 2345 6769.</p>',
    );
    expect(html).toContain('font-size:20px;font-weight:bold;color:#18181b;">Bakkerij Jansen</td></tr>');
    expect(html).toContain('max-width:600px');
    expect(html).not.toMatch(/<style|class=|<script|<img/);
    expect(out.attachments.map((a) => [a.filename, a.contentType, a.content.length])).toEqual([
      ['Factuur_2024-0012.pdf', 'application/pdf', nl.attachments[0]?.content.length],
      ['2024-0012.xml', 'application/xml', nl.attachments[1]?.content.length],
    ]);
    expect(out.attachments[0]?.content.equals(nl.attachments[0]?.content ?? Buffer.alloc(0))).toBe(true);
  });

  it('default layout with a logo keeps the name readable without images', () => {
    const html = compose(nl, { logoUrl: 'https://jansen.example/logo.png' }, 'nl').html ?? '';
    expect(html).toContain('<img src="https://jansen.example/logo.png" alt="Bakkerij Jansen" height="48"');
    expect(html).toContain('color:#71717a;">Bakkerij Jansen</td></tr>');
  });

  it('French via the recipient language: the French variants and names', () => {
    const out = compose(nl, {}, 'fr');
    expect(out.subject).toBe('Facture 2024-0012 - Bakkerij Jansen');
    expect(out.text).toBe('Bonjour Piet Pieters,\n\nVeuillez trouver ci-joint la facture 2024-0012.');
    expect(out.html).toContain('<html lang="fr">');
  });

  it('falls back to the default language variant, rendered in that language', () => {
    const out = compose(nl, {}, 'de');
    expect(out.subject).toBe('Factuur 2024-0012 van Bakkerij Jansen');
    expect(out.text).toBe(NL_TEXT);
    expect(out.language).toBe('nl');
  });

  it('layout none: plain text only', () => {
    const out = compose(nl, { layout: 'none' }, 'nl');
    expect(out.html).toBeUndefined();
    expect(out.text).toBe(NL_TEXT);
  });

  it('custom layout: %content% gets the text as HTML, variables are escaped', () => {
    const layout = { custom: '<html><body><h1>%company-name%</h1>%content%<small>%client-name%</small></body></html>' };
    const out = compose(nl, { layout, companyName: 'Jansen & Zonen' }, 'fr');
    expect(out.html).toBe(
      '<html><body><h1>Jansen &amp; Zonen</h1><p style="margin:0 0 16px 0;">Bonjour Piet Pieters,</p>\n<p ' +
        'style="margin:0 0 16px 0;">Veuillez trouver ci-joint la facture 2024-0012.</p><small>Piet ' +
        'Pieters</small></body></html>',
    );
  });

  it('keeps the legacy subject and body when the tenant has no template for the type', () => {
    const out = compose(nl, { subjects: {}, body: { invoice: 'keep' } }, 'nl');
    expect(out.subject).toBe('Factuur 2024-0012');
    expect(out.text).toBe(
      'Geachte klant,\n\nIn bijlage vindt u factuur 2024-0012.\nTotaal te betalen: € 1.210,00\nVervaldatum: ' +
        '02-05-2024\n\nMet vriendelijke groeten,\nBakkerij Jansen',
    );
    expect(out).toMatchObject({ subjectFrom: 'legacy', bodyFrom: 'legacy' });
    expect(out.html).toContain('<p style="margin:0 0 16px 0;">Geachte klant,</p>');
  });

  it('keeps a legacy HTML body as it is, with its cid image, and derives the text', () => {
    const out = compose(fr, { body: { invoice: 'keep' } }, 'fr');
    expect(out.subject).toBe('Facture F-123 - Bakkerij Jansen');
    expect(out.html).toBe(fr.html);
    expect(out.html).toContain('src="cid:logo@dupont"');
    expect(out.text).toContain('Veuillez trouver ci-joint la facture F-123.\nMontant total : 1 234,56 €');
    expect(out.attachments.map((a) => [a.filename, a.cid])).toEqual([
      ['logo.png', 'logo@dupont'],
      ['Facture_F-123.pdf', undefined],
    ]);
  });

  it('replaces an HTML legacy body with the text in the layout', () => {
    const out = compose(fr, {}, 'fr');
    expect(out.text).toBe('Bonjour Marie Lefebvre,\n\nVeuillez trouver ci-joint la facture F-123.');
    expect(out.html).not.toContain('cid:logo@dupont');
  });

  it('types without settings keep everything', () => {
    const settings = contentSettingsSchema.parse(TENANT);
    const detection = { documentType: 'quote' as const, variables: {}, matchedRule: null };
    const out = composeMessage(nl, settings, detection, 'nl');
    expect(out).toMatchObject({ subject: 'Factuur 2024-0012', subjectFrom: 'legacy', bodyFrom: 'legacy' });
  });
});
