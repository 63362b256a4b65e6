import { describe, expect, it } from 'vitest';
import { chooseLanguage } from '../../../src/pipeline/content/choose-language.js';
import { contentSettingsSchema } from '../../../src/pipeline/content/content-settings.js';

const settings = contentSettingsSchema.parse({
  defaultLanguage: 'nl',
  recipientLanguages: { 'jean@firma.example': 'fr' },
  domainLanguages: { 'firma.example': 'de', 'example.co.uk': 'en' },
  texts: { Invoices: { nl: 'Beste %client-name%', fr: 'Bonjour %client-name%' } },
});

describe('chooseLanguage', () => {
  it.each([
    ['a tenant rule wins over everything', { code: 'en', source: 'rule' as const }, 'jean@firma.example', 'en', 'rule'],
    ['then the recipient (case-insensitive)', undefined, ' Jean@Firma.Example ', 'fr', 'recipient'],
    ['then the recipient domain', undefined, 'anna@firma.example', 'de', 'recipient-domain'],
    ['or a parent of it', undefined, 'bob@sales.example.co.uk', 'en', 'recipient-domain'],
    ['not a sibling under the same suffix', undefined, 'bob@other.co.uk', 'nl', 'default'],
    [
      'then the document language, when the tenant writes in it',
      { code: 'fr', source: 'builtin' as const },
      'x@y.example',
      'fr',
      'document',
    ],
    [
      'not when the tenant has nothing in that language',
      { code: 'de', source: 'builtin' as const },
      'x@y.example',
      'nl',
      'default',
    ],
    [
      'a recipient setting beats the document language',
      { code: 'nl', source: 'builtin' as const },
      'jean@firma.example',
      'fr',
      'recipient',
    ],
    ['else the tenant default', undefined, 'x@y.example', 'nl', 'default'],
  ])('%s', (_why, language, recipient, expected, source) => {
    expect(chooseLanguage(language ? { language } : {}, recipient, settings)).toEqual({ language: expected, source });
  });
});
