import { describe, expect, it } from 'vitest';
import { fill, languageOf } from '../../../src/core/text-catalog.js';
import { API_MESSAGES } from '../../../src/admin/api/v1/api-messages.js';
import { apiCatalog } from '../../../src/admin/api/v1/localise.js';
import { SPAM_ADVICE } from '../../../src/pipeline/content/spam-advice.js';
import { DNS_ADVICE } from '../../../src/mailauth/dns-advice.js';
import { lintSubject, lintTextTemplate } from '../../../src/pipeline/content/spam-lint.js';

const SAMPLE: Record<string, string> = { n: '7' };

/** Every entry with sample values, as the code that throws it would word it. */
function sampleOf(template: string): string {
  return fill(
    template.replace(/\{(\w+):t\}/g, 'unknown field').replace(/\{(\w+):n\}/g, '{$1}'),
    new Proxy(SAMPLE, { get: () => '7', has: () => true }),
  );
}

describe('the catalog of texts a tenant reads', () => {
  it.each([...API_MESSAGES, ...SPAM_ADVICE, ...DNS_ADVICE].map((e) => [e.code, e] as const))(
    '%s: its English words are recognised and have a Dutch text',
    (_code, entry) => {
      const en = sampleOf(entry.en);
      const nl = apiCatalog.localise(en, 'nl');
      expect(nl.code === entry.code || entry.wrapsCode === true).toBe(true);
      expect(nl.text).not.toBe(en);
      expect(apiCatalog.localise(en, 'en').text).toBe(en);
    },
  );

  it('a wrapped text keeps the code of what it wraps, and both parts are translated', () => {
    expect(apiCatalog.localise('unknown variable %factuur% (at 12)', 'nl')).toEqual({
      code: 'unknown_variable',
      text: 'onbekende variabele %factuur% (op positie 12)',
    });
  });

  it('long or deeply nested texts stay cheap: left as they are', () => {
    const started = performance.now();
    const hostile = `${'x: '.repeat(1300)}y`;
    expect(apiCatalog.localise(hostile, 'nl').text).toBe(hostile);
    const nested = `${'a: '.repeat(600)}unknown field`;
    apiCatalog.localise(nested, 'nl');
    apiCatalog.localise(`The CNAME record at ${' points to x'.repeat(150)}; change it to point to y`, 'nl');
    expect(performance.now() - started).toBeLessThan(200);
  });

  it('a text no catalog knows stays as it is, without a code', () => {
    expect(apiCatalog.localise('something new', 'nl')).toEqual({ code: undefined, text: 'something new' });
  });

  it('spam-lint words its warnings with the catalog, so each one has a Dutch text', () => {
    const warnings = [
      ...lintSubject('BETAAL NU!!!! www.elders.example', { sendingDomain: 'acme.example' }),
      ...lintTextTemplate('Hallo'),
      ...lintTextTemplate('Zie bijlage.'),
    ];
    expect(warnings.map((w) => w.rule).sort()).toEqual([
      'capitals',
      'exclamation',
      'exclamation',
      'foreign-link',
      'generic-greeting',
      'no-personalisation',
      'too-short',
      'too-short',
    ]);
    for (const w of warnings) expect(apiCatalog.localise(w.message, 'nl').code).toBeDefined();
  });

  it.each([
    [undefined, 'en'],
    ['nl', 'nl'],
    ['nl-BE', 'nl'],
    ['en-GB,nl;q=0.9', 'en'],
    ['fr,nl;q=0.5,en;q=0.4', 'nl'],
    ['de', 'en'],
    ['nl;q=0', 'en'],
    ['nl;q=abc', 'en'],
    ['', 'en'],
    [',,;;', 'en'],
  ] as const)('Accept-Language %s → %s', (header, lang) => {
    expect(languageOf(header)).toBe(lang);
  });
});
