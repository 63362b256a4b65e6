import { describe, expect, it } from 'vitest';
import { isGenericGreeting } from '../../../src/pipeline/content/spam-lint-greeting.js';
import { lintMessage, lintTextTemplate } from '../../../src/pipeline/content/spam-lint.js';

const BODY = [
  'In bijlage vindt u factuur %document-number% voor de geleverde broden en gebak in maart.',
  'Het totaalbedrag van %amount% mag u overmaken op IBAN BE71 0961 2345 6769 (BIC GKCCBEBB).',
  'Vermeld daarbij het factuurnummer, dan verwerken we uw betaling sneller.',
  'Hebt u een vraag over deze factuur? Antwoord gewoon op deze e-mail.',
  '',
  'Bedankt voor uw vertrouwen en tot binnenkort,',
  '%company-name%',
].join('\n');
const greeted = (greeting: string) => `${greeting}\n\n${BODY}`;
const rules = (warnings: readonly { rule: string }[]) => warnings.map((w) => w.rule);

describe('generic greetings (nl, fr, en, de)', () => {
  it.each([
    'Dear customer,',
    'Dear Sir or Madam,',
    'Dear valued customer,',
    'To whom it may concern,',
    'Hello,',
    'Hi!',
    'Beste klant,',
    'Geachte klant,',
    'Geachte heer/mevrouw,',
    'Geachte dames en heren,',
    'Beste relatie,',
    'Hallo,',
    'Beste ,',
    'Cher client,',
    'Chère cliente, cher client,',
    'Cher(e) client(e),',
    'Madame, Monsieur,',
    'Bonjour,',
    'Sehr geehrte Damen und Herren,',
    'Sehr geehrter Kunde,',
    'Liebe Kundin, lieber Kunde,',
    'Guten Tag,',
  ])('"%s" is generic', (line) => {
    expect(isGenericGreeting(line)).toBe(true);
  });

  it.each([
    'Beste %client-name%,',
    'Dear Jan,',
    'Geachte heer Pieters,',
    'Chère Madame Dubois,',
    'Sehr geehrter Herr Müller,',
    'Hallo Piet,',
    'Klant,',
    'In bijlage vindt u uw factuur.',
    'Dear customer, in attachment you find the invoice for the bread and pastries delivered in March.',
  ])('"%s" is not', (line) => {
    expect(isGenericGreeting(line)).toBe(false);
  });

  it('a saved text: the greeting is marked where it is, with plain advice, instead of a second warning', () => {
    const text = greeted('Beste klant,');
    const warnings = lintTextTemplate(text);
    expect(rules(warnings)).toEqual(['generic-greeting']);
    expect(text.slice(warnings[0]!.start, warnings[0]!.end)).toBe('Beste klant,');
    expect(warnings[0]!.message).toBe(
      '"Beste klant," greets nobody in particular; greet the client by name, e.g. with %client-name%',
    );
    // %client-name% later in the text does not make "Dear customer" personal
    expect(rules(lintTextTemplate(greeted('Dear customer,').replace('%company-name%', '%client-name%')))).toEqual([
      'generic-greeting',
    ]);
    expect(lintTextTemplate(greeted('Beste %client-name%,'))).toEqual([]);
  });

  it('the preview and the message log: a generic greeting even when %client-name% is not in the text', () => {
    const html = '<p>Sehr geehrte Damen und Herren,</p>';
    const message = { subject: 'Rechnung 12', text: greeted('Sehr geehrte Damen und Herren,'), html };
    expect(rules(lintMessage(message))).toEqual(['generic-greeting']);
    // an empty %client-name% leaves "Beste ," behind
    expect(rules(lintMessage({ subject: 'Factuur', text: greeted('Beste ,') }))).toEqual(['generic-greeting']);
    expect(lintMessage({ subject: 'Factuur', text: greeted('Beste Jan,') }, { clientName: 'Jan' })).toEqual([]);
  });

  it('only the first lines count, and a long line is not a greeting', () => {
    expect(rules(lintTextTemplate(`Beste %client-name%,\n\n${BODY}\n\nHallo,`))).toEqual([]);
    const long = `Hello, ${'x'.repeat(80)}`;
    expect(isGenericGreeting(long)).toBe(false);
  });
});
