import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { contentSettingsSchema } from '../../../src/pipeline/content/content-settings.js';
import { buildTestInvoice } from '../../../src/pipeline/content/test-invoice.js';

const base = {
  from: { name: 'Müller & Zoon', address: 'billing@acme.test' },
  to: 'check@acme.test',
  hostname: 'gw.test',
  now: 1_700_000_000_000,
};

describe('test invoice', () => {
  it('encodes a non-ASCII display name and renders in German with the default layout', async () => {
    const settings = contentSettingsSchema.parse({ defaultLanguage: 'de', companyName: 'Müller & Zoon' });
    const raw = await buildTestInvoice({ ...base, settings, rendered: true });
    expect(raw.toString('latin1')).toMatch(/^From: =\?UTF-8\?/m);
    const mail = await simpleParser(raw);
    expect(mail.from?.value[0]).toEqual({ name: 'Müller & Zoon', address: 'billing@acme.test' });
    expect(mail.subject).toBe('Testrechnung – Müller & Zoon');
    expect(mail.html).toContain('Müller &amp; Zoon');
    expect(mail.headers.get('content-language')).toBe('de');
    expect(mail.attachments.map((a) => a.filename)).toEqual(['testrechnung.pdf']);
  });

  it(
    'falls back to English for a language without built-in texts, ' + "and ignores the tenant's invoice templates",
    async () => {
      const settings = contentSettingsSchema.parse({
        defaultLanguage: 'es',
        companyName: 'Acme',
        subjects: { invoice: { es: 'Factura %document-number%' } },
      });
      const mail = await simpleParser(await buildTestInvoice({ ...base, settings, rendered: false }));
      expect(mail.subject).toBe('Test invoice – Acme');
      expect(mail.html).toBe(false);
    },
  );
});
