import { readFile } from 'node:fs/promises';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { QueuedMessage } from '../../../src/core/types.js';
import type { DocumentReading } from '../../../src/documents/facts.js';
import { applyContent, type ContentStageDeps } from '../../../src/pipeline/content/content-stage.js';
import { contentSettingsSchema } from '../../../src/pipeline/content/content-settings.js';
import type { ReadAttachment } from '../../../src/pipeline/documents/read-documents.js';

/** The content stage with a hand-built reading: read once, only when needed; facts, language and holds. */
const FIXTURE = new URL('../../fixtures/content/legacy-invoice-nl.eml', import.meta.url);
const message = { id: 'Q1', tenantId: 'T1' } as QueuedMessage;
const xml = <T>(value: T) => ({ value, source: 'xml' as const, confidence: 1 });

const READING: DocumentReading = {
  filename: '2024-0012.xml',
  format: 'ubl-invoice',
  facts: {
    number: xml('F-77'),
    buyerName: xml('Klant NV'),
    buyerCountry: xml('FR'),
    dueDate: xml('2026-04-30'),
    payable: xml({ amount: '99.5', currency: 'EUR' }),
  },
  validation: [{ rule: 'BR-CO-15', message: 'The total with VAT is not the total without VAT plus the VAT.' }],
  problems: [],
};

function setup(input: Record<string, unknown>) {
  const calls: string[] = [];
  const read: ReadAttachment = async (_bytes, meta) => {
    calls.push(meta.filename ?? '');
    return READING;
  };
  const stored = { enabled: true, settings: contentSettingsSchema.parse(input), updatedAt: 1 };
  const deps: ContentStageDeps = {
    store: { get: () => stored },
    logger: pino({ level: 'silent' }),
    clock: () => 1000,
    readDocument: read,
  };
  return { deps, calls };
}

const SUBJECTS = {
  invoice: { nl: 'Factuur %document-number% (%amount%)', fr: 'Facture %document-number% (%amount%)' },
};

describe('content stage with attached documents', () => {
  it('reads each PDF or XML attachment once; the facts win, the buyer country chooses French', async () => {
    const { deps, calls } = setup({ subjects: SUBJECTS, layout: 'none' });
    const outcome = await applyContent(deps, message, await readFile(FIXTURE), { recipient: 'piet@klant.example' });
    expect(calls.sort()).toEqual(['2024-0012.xml', 'Factuur_2024-0012.pdf']);
    expect(outcome?.rendered?.composed.subject).toBe('Facture F-77 (99,50 €)');
    expect(outcome?.documents).toHaveLength(2);
    expect(outcome?.note).toMatchObject({ language: 'fr', languageSource: 'document-country', documentNumber: 'F-77' });
    expect(outcome?.note.documents?.[0]?.validation?.[0]?.rule).toBe('BR-CO-15');
    expect(outcome?.hold).toBeUndefined();
  });

  it('reads nothing when no template, language or hold needs it', async () => {
    const { deps, calls } = setup({
      subjects: { invoice: { nl: '%Document-type%' } },
      recipientLanguages: { 'piet@klant.example': 'nl' },
    });
    const outcome = await applyContent(deps, message, await readFile(FIXTURE), { recipient: 'piet@klant.example' });
    expect(calls).toEqual([]);
    expect(outcome?.documents).toBeUndefined();
    expect(outcome?.note.documents).toBeUndefined();
  });

  it('holdInvalidEInvoices: the outcome asks for a hold with the failed rule', async () => {
    const { deps } = setup({ subjects: SUBJECTS, holdInvalidEInvoices: true });
    const outcome = await applyContent(deps, message, await readFile(FIXTURE), { recipient: 'piet@klant.example' });
    expect(outcome?.hold).toMatchObject({ reason: 'invalid-einvoice' });
    expect(outcome?.note.hold?.detail).toContain('BR-CO-15');
  });
});
