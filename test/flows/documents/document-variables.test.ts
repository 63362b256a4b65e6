import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSink, type Sink } from '../../helpers/sink.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { api, startSenderGateway } from '../../helpers/sender-harness.js';
import { facturXPdf, invoicePdf, minimalCii, type Lang } from '../../helpers/pdf-fixtures.js';
import { DOCUMENT_SETTINGS, sendWith, warmReaders } from './documents-shared.js';

/** Attachments read over real SMTP: their facts in the subject and text that leave, formatted per language. */
const UBL = new URL('../../fixtures/einvoice/ubl-invoice-be-structured.xml', import.meta.url);

describe('document variables end to end', () => {
  let sink: Sink;
  let gw: TestGateway;

  beforeAll(async () => {
    sink = await startSink();
    gw = await startSenderGateway(sink.port);
    const put = await api(gw, 'PUT', `/tenants/${gw.tenantId}/content`, DOCUMENT_SETTINGS);
    expect(put.status).toBe(200);
    await warmReaders(gw, await invoicePdf('nl'));
  });
  afterAll(async () => {
    await gw?.stop();
    await sink?.close();
  });

  it('a UBL invoice: number, amount, due date, buyer and structured reference; Belgium → the default nl', async () => {
    const got = await sendWith(gw, sink, [{ filename: 'F2026-0042.xml', content: await readFile(UBL) }]);
    expect(got.subject).toBe('Factuur F2026-0042 van € 1.289,26, vóór 30 april 2026');
    expect(got.text).toContain('Beste Bakkerij De Smet NV,');
    expect(got.text).toContain('Mededeling: +++090/2600/04207+++.');
    expect(got.text).toContain('Peeters & Zonen BV');
    expect(got.note).toMatchObject({
      language: 'nl',
      languageSource: 'default',
      documents: [{ filename: 'F2026-0042.xml', format: 'ubl-invoice', number: 'F2026-0042' }],
    });
  });

  const EXPECTED: Record<Lang, { subject: string; source: string }> = {
    nl: { subject: 'Factuur F2026-0042 van € 1.234,56, vóór 30 april 2026', source: 'document-language' },
    fr: { subject: 'Facture FA-2026/117 de 1 234,56 €, échéance 30 avril 2026', source: 'document-language' },
    en: { subject: 'Invoice INV-2026-0042 for €1,234.56, due 30 April 2026', source: 'document-language' },
    de: { subject: 'Rechnung R-2026-0042 über 1.234,56 €, fällig am 30. April 2026', source: 'document-language' },
  };

  it.each(['nl', 'fr', 'en', 'de'] as const)(
    'a text PDF in %s: its language and its values, written that way',
    async (lang) => {
      const got = await sendWith(gw, sink, [{ filename: 'document.pdf', content: await invoicePdf(lang) }]);
      expect(got.subject).toBe(EXPECTED[lang].subject);
      expect(got.note).toMatchObject({ language: lang, languageSource: EXPECTED[lang].source });
    },
  );

  it('a Factur-X PDF: the embedded XML beats the visible text; failed rules noted, the mail still goes', async () => {
    const pdf = await facturXPdf(minimalCii({ number: 'FX-7', amount: '1500.00', due: '20260515' }));
    const got = await sendWith(gw, sink, [{ filename: 'factuur.pdf', content: pdf }]);
    expect(got.subject).toBe('Factuur FX-7 van € 1.500,00, vóór 15 mei 2026');
    expect(got.text).toContain('Beste Bakkerij Janssens,');
    const [doc] = got.note.documents as Array<{ format: string; validation?: Array<{ rule: string }> }>;
    expect(doc?.format).toBe('factur-x');
    expect(doc?.validation?.map((f) => f.rule)).toContain('BR-16');
    expect(got.note.hold).toBeUndefined();
  });
});
