import { describe, expect, it } from 'vitest';
import type { ParsedMail } from 'mailparser';
import { composeMessage } from '../../../src/pipeline/content/compose.js';
import { contentSettingsSchema, type ContentSettingsInput } from '../../../src/pipeline/content/content-settings.js';
import { renderTemplate } from '../../../src/pipeline/content/render-template.js';
import { checkTemplate, findVariables } from '../../../src/pipeline/content/template-syntax.js';
import { holdFor } from '../../../src/pipeline/documents/document-notes.js';
import { documentsWanted } from '../../../src/pipeline/documents/documents-wanted.js';
import { looksLikeDocument, readAttachedDocuments } from '../../../src/pipeline/documents/read-documents.js';
import pino from 'pino';

const legacy: Pick<ParsedMail, 'subject' | 'text' | 'html' | 'attachments'> = {
  subject: 'Factuur 2026-7 (legacy)',
  text: 'legacy body',
  html: false,
  attachments: [],
};

function compose(over: ContentSettingsInput, variables: Record<string, string> = {}) {
  const settings = contentSettingsSchema.parse({
    subjects: { invoice: { nl: 'Factuur %document-number% vervalt %due-date%' } },
    texts: { T: { nl: 'Beste %client-name|klant%, te betalen vóór %Due-date|de vervaldag%.' } },
    defaultTexts: { invoice: 'T' },
    body: { invoice: 'replace' },
    layout: 'none',
    ...over,
  });
  const detection = { documentType: 'invoice' as const, variables, matchedRule: null };
  return { settings, composed: composeMessage(legacy, settings, detection, 'nl') };
}

describe('the | fallback syntax', () => {
  it('parses the text after | and renders it only when the variable has no value', () => {
    const [ref] = findVariables('Beste %client-name|geachte klant%,');
    expect(ref).toMatchObject({ name: 'client-name', fallback: 'geachte klant' });
    expect(renderTemplate('Beste %client-name|klant%,', {})).toBe('Beste klant,');
    expect(renderTemplate('Beste %client-name|klant%,', { 'client-name': 'Jan' })).toBe('Beste Jan,');
    expect(renderTemplate('%Client-name|klant%', {})).toBe('Klant');
    expect(renderTemplate('50% korting|x 20% extra', {})).toBe('50% korting|x 20% extra');
  });

  it('is accepted on save; an unknown name with a fallback is still named as unknown', () => {
    const known = new Set(['client-name']);
    expect(checkTemplate('Beste %client-name|klant%', known)).toEqual([]);
    expect(checkTemplate('%klantnaam|klant%', known)[0]?.message).toBe('unknown variable %klantnaam%');
  });
});

describe('missingVariables', () => {
  it('fallback (default): the | text or nothing, and the missing ones are listed', () => {
    const { composed } = compose({}, { 'document-number': '2026-7' });
    expect(composed.subject).toBe('Factuur 2026-7 vervalt');
    expect(composed.text).toBe('Beste klant, te betalen vóór De vervaldag.');
    expect(composed.missing).toEqual(['due-date']);
  });

  it("legacy-subject: the package's subject when the subject template lacks a value", () => {
    const { composed } = compose({ missingVariables: 'legacy-subject' }, { 'document-number': '2026-7' });
    expect(composed.subject).toBe('Factuur 2026-7 (legacy)');
    expect(composed.subjectFrom).toBe('legacy');
    const full = compose({ missingVariables: 'legacy-subject' }, { 'document-number': '7', 'due-date': 'morgen' });
    expect(full.composed.subject).toBe('Factuur 7 vervalt morgen');
  });

  it('hold: a review hold naming the variable; none when every value is there', () => {
    const { settings, composed } = compose({ missingVariables: 'hold' }, { 'document-number': '2026-7' });
    expect(holdFor(settings, composed, [])).toEqual({ reason: 'missing-variable', detail: 'no value for %due-date%' });
    const full = compose({ missingVariables: 'hold' }, { 'document-number': '7', 'due-date': 'morgen' });
    expect(holdFor(full.settings, full.composed, [])).toBeUndefined();
  });

  it('holdInvalidEInvoices: off by default, on → a hold naming the failed rule', () => {
    const invalid = {
      filename: 'f.xml',
      format: 'ubl-invoice' as const,
      facts: {},
      validation: [{ rule: 'BR-CO-15', message: 'the total with VAT is not the total without VAT plus VAT' }],
      problems: [],
    };
    const { settings, composed } = compose({});
    expect(holdFor(settings, composed, [invalid])).toBeUndefined();
    const on = compose({ holdInvalidEInvoices: true });
    expect(holdFor(on.settings, on.composed, [invalid])).toMatchObject({ reason: 'invalid-einvoice' });
    expect(holdFor(on.settings, on.composed, [invalid])?.detail).toContain('BR-CO-15');
  });
});

describe('reading attachments only when needed', () => {
  it('a template naming a document variable, the language, or the e-invoice hold wants them', () => {
    const plain = contentSettingsSchema.parse({ subjects: { invoice: { nl: '%Document-type%' } } });
    expect(documentsWanted(plain, 'invoice', true)).toBe(false);
    expect(documentsWanted(plain, 'invoice', false)).toBe(true);
    expect(documentsWanted({ ...plain, holdInvalidEInvoices: true }, 'invoice', true)).toBe(true);
    const amount = contentSettingsSchema.parse({ subjects: { invoice: { nl: 'Factuur %amount|%' } } });
    expect(documentsWanted(amount, 'invoice', true)).toBe(true);
    expect(documentsWanted(amount, 'reminder', true)).toBe(false);
  });

  it('sniffs PDF and XML by their bytes; a reader that throws gives a reading with the reason', async () => {
    expect(looksLikeDocument(Buffer.from('%PDF-1.7\n'))).toBe(true);
    expect(looksLikeDocument(Buffer.from('\ufeff<?xml version="1.0"?><Invoice/>'))).toBe(true);
    expect(looksLikeDocument(Buffer.from('GIF89a'))).toBe(false);
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
    const attachments = [
      { content: Buffer.from('%PDF-1.4 broken'), filename: 'x.pdf', contentType: 'application/pdf' },
      { content: Buffer.from('GIF89a'), filename: 'logo.gif', contentType: 'image/gif' },
    ];
    const readings = await readAttachedDocuments(
      async () => {
        throw new Error('worker died');
      },
      attachments,
      { logger, queueId: 'q', tenantId: 't' },
    );
    expect(readings).toEqual([
      { filename: 'x.pdf', format: 'unknown', facts: {}, problems: ['not read: worker died'] },
    ]);
    // one log line for the operator, naming the message, the file and why
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      queueId: 'q',
      filename: 'x.pdf',
      problems: ['not read: worker died'],
    });
  });
});
