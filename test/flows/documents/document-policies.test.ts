import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSink, type Sink } from '../../helpers/sink.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { api, madeTenantClient, startSenderGateway } from '../../helpers/sender-harness.js';
import { facturXPdf, invoicePdf, minimalCii, scanPdf } from '../../helpers/pdf-fixtures.js';
import { compressedBombPdf, pageTreeLoopPdf } from '../../helpers/pdf-hostile.js';
import { DOCUMENT_SETTINGS, sendHeld, sendWith, warmReaders } from './documents-shared.js';

/** What a missing value, a hostile or invalid attachment and a second tenant's settings do, over real SMTP. */
const UBL = new URL('../../fixtures/einvoice/ubl-invoice-be-structured.xml', import.meta.url);

describe('document policies end to end', () => {
  let sink: Sink;
  let gw: TestGateway;
  const put = (over: Record<string, unknown>) =>
    api(gw, 'PUT', `/tenants/${gw.tenantId}/content`, { ...DOCUMENT_SETTINGS, ...over });

  beforeAll(async () => {
    sink = await startSink();
    gw = await startSenderGateway(sink.port);
    await warmReaders(gw, await invoicePdf('nl'));
  });
  afterAll(async () => {
    await gw?.stop();
    await sink?.close();
  });

  it('a scan has no values: the | text or nothing, the package subject (legacy-subject), a hold', async () => {
    const scan = [{ filename: 'scan.pdf', content: await scanPdf() }];
    expect((await put({ missingVariables: 'fallback' })).status).toBe(200);
    const fallback = await sendWith(gw, sink, scan, { subject: 'Doc scan 1' });
    expect(fallback.subject).toBe('Factuur van het afgesproken bedrag, vóór');
    expect(fallback.text).toContain('Beste klant,');
    expect(fallback.note).toMatchObject({ missing: ['document-number', 'due-date'] });
    expect(fallback.note.hold).toBeUndefined();

    expect((await put({ missingVariables: 'legacy-subject' })).status).toBe(200);
    const legacy = await sendWith(gw, sink, scan, { subject: 'Doc scan 2' });
    expect(legacy.subject).toBe('Doc scan 2');
    expect(legacy.note).toMatchObject({ subjectFrom: 'legacy', bodyFrom: 'text' });

    expect((await put({ missingVariables: 'hold' })).status).toBe(200);
    const held = await sendHeld(gw, scan, { subject: 'Doc scan 3' });
    const hold = { reason: 'missing-variable', detail: 'no value for %document-number%, %due-date%' };
    expect(held.note.hold).toEqual(hold);
    expect(held.review).toMatchObject(hold);
    expect(sink.messages.some((m) => m.raw.includes('Doc scan 3'))).toBe(false);
  });

  it('holdInvalidEInvoices: an e-invoice failing our rules asks for a hold naming them, a valid one not', async () => {
    expect((await put({ holdInvalidEInvoices: true })).status).toBe(200);
    const invalid = await sendHeld(gw, [{ filename: 'fx.pdf', content: await facturXPdf(minimalCii()) }]);
    expect(invalid.note.hold).toMatchObject({ reason: 'invalid-einvoice' });
    expect(invalid.review).toMatchObject({ reason: 'invalid-einvoice' });
    expect((invalid.note.hold as { detail: string }).detail).toContain('BR-16');
    const valid = await sendWith(gw, sink, [{ filename: 'f.xml', content: await readFile(UBL) }]);
    expect(valid.note.hold).toBeUndefined();
  });

  it('hostile attachments: the mail still goes, with what could not be read in the message log', async () => {
    expect((await put({})).status).toBe(200);
    const got = await sendWith(gw, sink, [
      { filename: 'bomb.pdf', content: compressedBombPdf(64) },
      { filename: 'loop.pdf', content: pageTreeLoopPdf() },
      { filename: 'f.xml', content: await readFile(UBL) },
    ]);
    expect(got.subject).toBe('Factuur F2026-0042 van € 1.289,26, vóór 30 april 2026');
    const docs = got.note.documents as Array<{ filename: string; problems?: string[] }>;
    expect(docs.find((d) => d.filename === 'bomb.pdf')?.problems?.length).toBeGreaterThan(0);
  });

  it("a second tenant's settings never apply: the same attachment, each tenant its own texts", async () => {
    expect((await put({})).status).toBe(200);
    const made = await api(gw, 'POST', '/tenants', { name: 'Other BV', smtpUsername: 'other-docs' });
    const otherId = (made.body.tenant as { id: string }).id;
    const other = await api(gw, 'PUT', `/tenants/${otherId}/content`, {
      defaultLanguage: 'en',
      rules: DOCUMENT_SETTINGS.rules,
      builtinRules: false,
      subjects: { invoice: { en: 'Your invoice %document-number% (%amount%)' } },
      missingVariables: 'hold',
      holdInvalidEInvoices: true,
      enabled: true,
    });
    expect(other.status).toBe(200);
    const ubl = [{ filename: 'f.xml', content: await readFile(UBL) }];
    const mine = await sendWith(gw, sink, ubl);
    const theirs = await sendWith(gw, sink, ubl, { client: madeTenantClient(gw, made) });
    expect(mine.subject).toBe('Factuur F2026-0042 van € 1.289,26, vóór 30 april 2026');
    expect(theirs.subject).toBe('Your invoice F2026-0042 (€1,289.26)');
    // the other tenant's hold settings do not reach this tenant's mail
    const scanned = await sendWith(gw, sink, [{ filename: 'scan.pdf', content: await scanPdf() }]);
    expect(scanned.note.hold).toBeUndefined();
  });
});
