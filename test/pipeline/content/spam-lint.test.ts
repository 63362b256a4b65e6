import { describe, expect, it } from 'vitest';
import { lintLayout, lintMessage, lintSubject, lintTextTemplate } from '../../../src/pipeline/content/spam-lint.js';

const GOOD_TEXT = [
  'Beste %client-name%,',
  '',
  'In bijlage vindt u factuur %document-number% voor de geleverde broden en gebak in maart.',
  'Het totaalbedrag van %amount% mag u overmaken op IBAN BE71 0961 2345 6769 (BIC GKCCBEBB).',
  'Vermeld daarbij het factuurnummer, dan verwerken we uw betaling sneller.',
  'Hebt u een vraag over deze factuur? Antwoord gewoon op deze e-mail.',
  '',
  'Bedankt voor uw vertrouwen en tot binnenkort,',
  '%company-name%',
].join('\n');

const found = (warnings: readonly { rule: string; start: number; end: number }[], text: string) =>
  warnings.map((w) => [w.rule, text.slice(w.start, w.end)]);

describe("spam lint on the help page's own bad examples", () => {
  it('"BETAAL NU!!!": capitals and exclamation marks', () => {
    const subject = 'Factuur 12: BETAAL NU!!!';
    expect(found(lintSubject(subject), subject)).toEqual([
      ['capitals', 'BETAAL NU'],
      ['exclamation', '!!!'],
    ]);
  });

  it('"WOORDEN VOLLEDIG IN HOOFDLETTERS of veel uitroeptekens !!!!!!!!"', () => {
    const text = 'Gebruik geen WOORDEN VOLLEDIG IN HOOFDLETTERS of veel uitroeptekens !!!!!!!!';
    expect(found(lintSubject(text), text)).toEqual([
      ['capitals', 'WOORDEN VOLLEDIG IN HOOFDLETTERS'],
      ['exclamation', '!!!!!!!!'],
      ['exclamation', '!'],
    ]);
  });

  it('more than three exclamation marks in all, even one at a time', () => {
    const text = 'Dank! Echt! Super! Tot ziens!';
    expect(lintSubject(text)).toEqual([
      { rule: 'exclamation', message: '4 exclamation marks in all; use at most three', start: 28, end: 29 },
    ]);
  });

  it('links to domains other than the sending domain', () => {
    const text =
      `${GOOD_TEXT}\nBetaal via https://pay.other.example/x?id=1, zie www.acme.example/voorwaarden of ` +
      `https://portal.acme.example.`;
    const warnings = lintTextTemplate(text, { sendingDomain: 'acme.example' });
    expect(found(warnings, text)).toEqual([['foreign-link', 'https://pay.other.example/x?id=1']]);
    expect(warnings[0]?.message).toBe('link to pay.other.example, not to the sending domain acme.example');
    expect(lintTextTemplate(text).filter((w) => w.rule === 'foreign-link')).toHaveLength(3);
  });

  it('a one-line text without personalisation', () => {
    const text = 'Zie bijlage.';
    expect(lintTextTemplate(text).map((w) => w.rule)).toEqual(['no-personalisation', 'too-short']);
    expect(lintTextTemplate(text)[1]).toMatchObject({
      start: 0,
      end: text.length,
      message: expect.stringContaining('only 1 line of text'),
    });
  });
});

describe('spam lint, clean input', () => {
  it('a good invoice text has no warnings', () => {
    expect(lintTextTemplate(GOOD_TEXT, { sendingDomain: 'acme.example' })).toEqual([]);
  });

  it('acronyms, legal forms, single capitals words and numbers are not shouting', () => {
    for (const s of [
      'BTW BE0123.456.789 IBAN BE71 BIC GKCCBEBB',
      'Factuur ACME BV',
      'PDF en UBL in bijlage',
      'Uw FACTUUR 2024-0012',
      'ACME 2024 JANSEN',
      'Factuur %DOCUMENT-NUMBER% %COMPANY-NAME%',
    ]) {
      expect(lintSubject(s)).toEqual([]);
    }
  });

  it('long paragraphs count as enough content', () => {
    const text = `Beste %client-name%, ${'dit is een lange zin met echte inhoud over de factuur '.repeat(6)}`;
    expect(lintTextTemplate(text)).toEqual([]);
  });
});

describe('lintLayout and lintMessage', () => {
  it('a layout: capitals in its own words, links outside the domain, not inside tags', () => {
    const html =
      '<div style="FONT-FAMILY:ARIAL SANS"><h1>GRATIS LEVERING</h1><a ' +
      'href="https://tracker.other.example/c">x</a><a href="mailto:info@acme.example">mail</a><a ' +
      'href="#top">top</a>%content%</div>';
    expect(found(lintLayout(html, { sendingDomain: 'acme.example' }), html)).toEqual([
      ['capitals', 'GRATIS LEVERING'],
      ['foreign-link', 'https://tracker.other.example/c'],
    ]);
  });

  it('a rendered message: warnings per field, and a missing greeting of the known client', () => {
    const warnings = lintMessage(
      { subject: 'LAATSTE KANS', text: 'Zie bijlage.', html: '<p>Zie <a href="https://bit.ly/x">bijlage</a>.</p>' },
      { sendingDomain: 'acme.example', clientName: 'Piet Pieters' },
    );
    expect(warnings.map((w) => [w.field, w.rule])).toEqual([
      ['subject', 'capitals'],
      ['text', 'too-short'],
      ['html', 'foreign-link'],
      ['text', 'no-personalisation'],
    ]);
  });

  it('a rendered message without text is linted on its HTML converted to text', () => {
    const warnings = lintMessage({ subject: 'Factuur', text: '', html: '<p>BETAAL NU</p>' });
    expect(warnings.map((w) => [w.field, w.rule])).toEqual([
      ['text', 'capitals'],
      ['text', 'too-short'],
    ]);
  });
});
