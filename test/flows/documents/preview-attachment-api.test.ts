import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSink, type Sink } from '../../helpers/sink.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { api, startSenderGateway } from '../../helpers/sender-harness.js';
import { compressedBombPdf } from '../../helpers/pdf-hostile.js';

/** POST …/content/preview with a sample attachment: facts and rules back, bad input named, other tenants refused. */
const UBL = new URL('../../fixtures/einvoice/ubl-invoice-be-structured.xml', import.meta.url);

describe('content preview with a sample attachment (API)', () => {
  let sink: Sink;
  let gw: TestGateway;
  const preview = () => `/tenants/${gw.tenantId}/content/preview`;
  const base = { language: 'fr', documentType: 'invoice', subject: 'Facture %document-number% : %amount%' };

  beforeAll(async () => {
    sink = await startSink();
    gw = await startSenderGateway(sink.port);
  });
  afterAll(async () => {
    await gw?.stop();
    await sink?.close();
  });

  it('answers the facts, the variables in the preview language and the rendered subject', async () => {
    const content = (await readFile(UBL)).toString('base64');
    const res = await api(gw, 'POST', preview(), { ...base, attachment: { filename: 'f.xml', content } });
    expect(res.status).toBe(200);
    expect(res.body.subject).toBe('Facture F2026-0042 : 1 289,26 €');
    expect(res.body.missing).toBeUndefined();
    const without = await api(gw, 'POST', preview(), base);
    expect(without.body).toMatchObject({ subject: 'Facture :', missing: ['document-number', 'amount'] });
    expect(res.body.document).toMatchObject({
      filename: 'f.xml',
      format: 'ubl-invoice',
      facts: { payable: { value: '1289.26 EUR', source: 'xml', confidence: 1 } },
      variables: { 'due-date': '30 avril 2026', 'client-name': 'Bakkerij De Smet NV' },
      validation: [],
      problems: [],
    });
  });

  it('bad input is a 400 naming the field (not base64, over 2 MB); a hostile file is a reading', async () => {
    const notBase64 = await api(gw, 'POST', preview(), { ...base, attachment: { content: '%%%not base64' } });
    expect(notBase64.status).toBe(400);
    expect(JSON.stringify(notBase64.body)).toContain('attachment');
    const big = Buffer.alloc(2 * 1024 * 1024 + 1, 0x41).toString('base64');
    const tooLarge = await api(gw, 'POST', preview(), { ...base, attachment: { content: big } });
    expect(tooLarge.status).toBe(400);
    expect(tooLarge.body).toMatchObject({ fieldCodes: { 'body.attachment.content': ['too_big'] } });
    const bomb = compressedBombPdf(64).toString('base64');
    const hostile = await api(gw, 'POST', preview(), { ...base, attachment: { filename: 'b.pdf', content: bomb } });
    expect(hostile.status).toBe(200);
    expect((hostile.body.document as { problems: string[] }).problems.length).toBeGreaterThan(0);
  });

  it("the larger body is for the preview only; another tenant's token cannot preview here", async () => {
    const big = 'x'.repeat(200 * 1024);
    const elsewhere = await api(gw, 'PUT', `/tenants/${gw.tenantId}/content`, { companyName: big });
    expect(elsewhere.status).toBe(413);
    const made = await api(gw, 'POST', '/tenants', { name: 'Other BV', smtpUsername: 'other-preview' });
    const otherId = (made.body.tenant as { id: string }).id;
    const token = (await api(gw, 'POST', `/tenants/${otherId}/tokens`, {})).body.token as string;
    const res = await fetch(`http://127.0.0.1:${gw.gateway.httpPort}/api/v1${preview()}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...base, attachment: { content: (await readFile(UBL)).toString('base64') } }),
    });
    expect(res.status).toBe(404);
  });
});
