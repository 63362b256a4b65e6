import { describe, expect, it } from 'vitest';
import { contentSettingsSchema, knownVariables } from '../../../src/pipeline/content/content-settings.js';

function issues(input: unknown): { path: string; message: string; params?: Record<string, unknown> }[] {
  const result = contentSettingsSchema.safeParse(input);
  if (result.success) return [];
  return result.error.issues.map((i) => ({
    path: i.path.join('.'),
    message: i.message,
    ...('params' in i && i.params ? { params: i.params as Record<string, unknown> } : {}),
  }));
}

describe('contentSettingsSchema', () => {
  it('fills defaults for an empty object', () => {
    expect(contentSettingsSchema.parse({})).toEqual({
      rules: [],
      builtinRules: true,
      subjects: {},
      texts: {},
      textTypes: {},
      defaultTexts: {},
      body: {},
      layout: 'default',
      constants: {},
      defaultLanguage: 'nl',
      recipientLanguages: {},
      domainLanguages: {},
      openTracking: false,
      trackShortMessages: false,
      missingVariables: 'fallback',
      holdInvalidEInvoices: false,
      accountant: { subject: {}, text: {} },
    });
  });

  it('accepts a complete tenant', () => {
    const settings = contentSettingsSchema.parse({
      rules: [{ name: 'order ref', field: 'text', pattern: String.raw`Ref: (?<order_ref>\S+)`, documentType: 'order' }],
      subjects: {
        invoice: { nl: '%Document-type% %document-number%', fr: 'Facture %document-number% - %company-name%' },
      },
      texts: { Facturen: { nl: 'Beste %client-name%, IBAN %iban%, ref %order-ref%' } },
      defaultTexts: { invoice: 'Facturen' },
      body: { invoice: 'replace', quote: 'keep' },
      layout: { custom: '<html><body>%content%<p>%company-name%</p></body></html>' },
      constants: { iban: 'BE71 0961 2345 6769' },
      defaultLanguage: 'fr',
      recipientLanguages: { 'piet@klant.example': 'nl' },
      domainLanguages: { 'firma.example': 'de' },
      companyName: 'Acme',
      logoUrl: 'https://acme.example/logo.png',
      openTracking: true,
    });
    expect(settings.layout).toEqual({ custom: '<html><body>%content%<p>%company-name%</p></body></html>' });
    expect([...knownVariables(settings)].sort()).toEqual([
      'amount',
      'client-name',
      'company-name',
      'document-date',
      'document-number',
      'document-type',
      'due-date',
      'iban',
      'order-ref',
      'payment-reference',
    ]);
  });

  it('names an unknown variable in a subject, text or layout, with its position', () => {
    const found = issues({
      subjects: { invoice: { nl: 'Factuur %documentnummer%' } },
      texts: { Facturen: { en: 'Dear %client%,' } },
      layout: { custom: '<p>%content% %footer%</p>' },
    });
    expect(found).toEqual([
      {
        path: 'subjects.invoice.nl',
        message: 'unknown variable %documentnummer% (at 8)',
        params: { start: 8, end: 24 },
      },
      { path: 'texts.Facturen.en', message: 'unknown variable %client% (at 5)', params: { start: 5, end: 13 } },
      {
        path: 'layout.custom',
        message: 'unknown variable %footer% (at 13)',
        params: { rule: 'unknown-variable', start: 13, end: 21 },
      },
    ]);
  });

  it.each([
    ['CR', '\r'],
    ['LF', '\n'],
    ['NUL', '\u0000'],
    ['NEL', '\u0085'],
    ['LINE SEPARATOR', '\u2028'],
    ['PARAGRAPH SEPARATOR', '\u2029'],
  ])('refuses %s in a subject template, a constant and the company name', (_name, ch) => {
    const found = issues({
      subjects: { invoice: { en: `Invoice${ch}Bcc: x@evil.example` } },
      constants: { footer: `a${ch}b` },
      companyName: `Acme${ch}`,
    });
    expect(found.map((f) => f.path).sort()).toEqual(['companyName', 'constants.footer', 'subjects.invoice.en']);
    expect(found.find((f) => f.path === 'subjects.invoice.en')?.params).toEqual({ start: 7, end: 8 });
  });

  it('allows line breaks in texts', () => {
    expect(issues({ texts: { T: { nl: 'Beste %client-name%,\r\n\r\nGroeten' } } })).toEqual([]);
  });

  it('checks references and names', () => {
    expect(issues({ defaultTexts: { invoice: 'Missing' } })).toEqual([
      { path: 'defaultTexts.invoice', message: 'no text named "Missing"' },
    ]);
    expect(issues({ constants: { 'client-name': 'x', content: 'y' } }).map((i) => i.message)).toEqual([
      '%client-name% is a built-in variable',
      '%content% is a built-in variable',
    ]);
    expect(issues({ constants: { IBAN: 'x' } })[0]?.path).toBe('constants.IBAN');
    expect(issues({ defaultLanguage: 'NL' })[0]?.path).toBe('defaultLanguage');
    expect(issues({ recipientLanguages: { 'Piet@Klant.example': 'nl' } })[0]?.path).toBe(
      'recipientLanguages.Piet@Klant.example',
    );
    expect(issues({ logoUrl: 'http://acme.example/logo.png' })[0]?.path).toBe('logoUrl');
    expect(issues({ logoUrl: 'javascript:alert(1)' })[0]?.path).toBe('logoUrl');
    expect(issues({ layout: 'fancy' })[0]?.path).toBe('layout');
  });

  it('checks detection rules', () => {
    const base = { name: 'r', field: 'subject', documentType: 'invoice' };
    expect(issues({ rules: [{ ...base, pattern: '(unclosed' }] })[0]?.message).toMatch(/^pattern does not compile/);
    // nested repetition is harmless on the linear-time engine: saved
    expect(issues({ rules: [{ ...base, pattern: String.raw`(\w+\s?)+$` }] })).toEqual([]);
    expect(issues({ rules: [{ ...base, pattern: String.raw`(a)\1` }] })).toEqual([
      { path: 'rules.0.pattern', message: expect.stringMatching(/^backreferences/) },
    ]);
    expect(issues({ rules: [{ ...base, pattern: '' }] })[0]?.message).toBe('pattern must not be empty');
    expect(issues({ rules: [{ ...base, pattern: 'x'.repeat(501) }] })[0]?.message).toMatch(/too long/);
    expect(issues({ rules: [{ ...base, field: 'header', pattern: 'x' }] })[0]).toEqual({
      path: 'rules.0.header',
      message: 'a header rule needs the header name',
    });
    expect(issues({ rules: [{ ...base, documentType: 'receipt', pattern: 'x' }] })[0]?.path).toBe(
      'rules.0.documentType',
    );
    expect(
      issues({ rules: [{ ...base, pattern: String.raw`Factuur (?<document_number>[\w-]+)(?: \((?:EUR|€)\))?` }] }),
    ).toEqual([]);
  });
});
