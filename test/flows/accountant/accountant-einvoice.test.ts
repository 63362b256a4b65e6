import { readFileSync } from 'node:fs';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { startSink, type Sink } from '../../helpers/sink.js';
import {
  api,
  arrived,
  legacyClient,
  madeTenantClient,
  queueIdOf,
  startSenderGateway,
  type ApiAnswer,
} from '../../helpers/sender-harness.js';
import { expectNothingFor, waitFor } from '../../helpers/wait-for.js';
import { warmReaders } from '../documents/documents-shared.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/einvoice/${name}`, import.meta.url));
const UBL = fixture('ubl-invoice-be-structured.xml');
const CREDIT_NOTE = fixture('ubl-credit-note-be.xml');
const PDF = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(3_000, 0x42)]);
const OTHER_XML = Buffer.from('<?xml version="1.0"?>\n<export><line>not an invoice</line></export>\n');
const ACCOUNTANT = 'boekhouder@acct.test';
const OTHER_ACCOUNTANT = 'buchhaltung@mallory-acct.test';

type Attachment = { filename: string; content: Buffer; contentType: string };
const pdf: Attachment = { filename: 'factuur.pdf', content: PDF, contentType: 'application/pdf' };
const ubl = (content = UBL, filename = 'factuur.xml'): Attachment => ({
  filename,
  content,
  contentType: 'application/xml',
});
const export_: Attachment = { filename: 'export.xml', content: OTHER_XML, contentType: 'application/xml' };

describe("the accountant's electronic invoice", () => {
  let sink: Sink;
  let gw: TestGateway;
  let other: ApiAnswer;

  beforeAll(async () => {
    sink = await startSink();
    gw = await startSenderGateway(sink.port);
    await api(gw, 'PUT', `/tenants/${gw.tenantId}/content`, { enabled: false, defaultLanguage: 'fr' });
    await api(gw, 'PUT', `/tenants/${gw.tenantId}/sender`, {
      accountantAddress: ACCOUNTANT,
      accountantMode: 'automatic',
    });
    // The accountant copy reads the PDF in the reader pool: its worker starts here, not in the first test's wait.
    await warmReaders(gw, PDF);
    other = await api(gw, 'POST', '/tenants', { name: 'Mallory GmbH' });
    const otherId = (other.body.tenant as { id: string }).id;
    await api(gw, 'PUT', `/tenants/${otherId}/content`, { enabled: false, defaultLanguage: 'de' });
    await api(gw, 'PUT', `/tenants/${otherId}/sender`, {
      accountantAddress: OTHER_ACCOUNTANT,
      accountantMode: 'automatic',
    });
  });
  afterAll(async () => {
    await gw?.stop();
    await sink?.close();
  });

  const copiesTo = (address: string) => sink.messages.filter((m) => m.envelope.to.includes(address));

  async function send(subject: string, attachments: Attachment[], client = legacyClient(gw)): Promise<string> {
    const info = await client.sendMail({
      from: 'billing@acme.test',
      to: 'klant@customer.test',
      subject,
      text: 'Bonjour,\n\nVoici le document.\n',
      attachments,
    });
    return queueIdOf(info.response);
  }

  async function nextCopy(address: string, before: number) {
    const copies = await waitFor(() => (copiesTo(address).length > before ? copiesTo(address) : undefined));
    return simpleParser(copies.at(-1)!.raw);
  }

  it("sends the UBL byte for byte with the PDF, leaves other XML out, in the tenant's language", async () => {
    const before = copiesTo(ACCOUNTANT).length;
    const id = await send('Facture F-2026-0042', [pdf, ubl(), export_]);
    await arrived(sink, id);
    const copy = await nextCopy(ACCOUNTANT, before);
    expect(copy.attachments.map((a) => a.filename)).toEqual(['factuur.pdf', 'factuur.xml']);
    expect(copy.attachments[0]!.content.equals(PDF)).toBe(true);
    expect(copy.attachments[1]!.content.equals(UBL)).toBe(true);
    expect(copy.subject).toBe('Copie pour la comptabilité : Facture F-2026-0042');
    expect(copy.text).toContain('Pour votre comptabilité');
    expect(copy.headers.get('content-language')).toBe('fr');
  });

  it('lets the e-invoice say what it is when no rule matched; a quote or an order gets nothing', async () => {
    const before = copiesTo(ACCOUNTANT).length;
    const id = await send('Document 7781', [ubl(CREDIT_NOTE, 'cn-7781.xml')]);
    await arrived(sink, id);
    const copy = await nextCopy(ACCOUNTANT, before);
    expect(copy.attachments.map((a) => a.filename)).toEqual(['cn-7781.xml']);
    expect(copy.attachments[0]!.content.equals(CREDIT_NOTE)).toBe(true);

    const after = copiesTo(ACCOUNTANT).length;
    for (const subject of ['Devis 2026-17', 'Commande 2026-18']) await arrived(sink, await send(subject, [pdf, ubl()]));
    await expectNothingFor(300, () => copiesTo(ACCOUNTANT).length === after, 'no copy of a quote or an order');
    expect(copiesTo(ACCOUNTANT).length).toBe(after);
  });

  it('a plain PDF invoice without XML goes as before', async () => {
    const before = copiesTo(ACCOUNTANT).length;
    await arrived(sink, await send('Facture F-2026-0050', [pdf, export_]));
    const copy = await nextCopy(ACCOUNTANT, before);
    expect(copy.attachments.map((a) => a.filename)).toEqual(['factuur.pdf', 'export.xml']);
  });

  it('the manual copy from the message log does the same', async () => {
    await api(gw, 'PUT', `/tenants/${gw.tenantId}/sender`, { accountantMode: 'manual' });
    const id = await send('Document 7790', [pdf, ubl(), export_]);
    await arrived(sink, id);
    const before = copiesTo(ACCOUNTANT).length;
    const answer = await api(gw, 'POST', `/messages/${id}/send-to-accountant`, {});
    expect(answer.status).toBe(202);
    const copy = await nextCopy(ACCOUNTANT, before);
    expect(copy.attachments.map((a) => a.filename)).toEqual(['factuur.pdf', 'factuur.xml']);
    expect(copy.attachments[1]!.content.equals(UBL)).toBe(true);
    expect(copy.subject).toBe('Copie pour la comptabilité : Document 7790');
    await api(gw, 'PUT', `/tenants/${gw.tenantId}/sender`, { accountantMode: 'automatic' });
  });

  it("a second tenant's accountant gets only that tenant's documents, in its language", async () => {
    const ours = copiesTo(ACCOUNTANT).length;
    const theirs = copiesTo(OTHER_ACCOUNTANT).length;
    const mine = await send('Facture F-2026-0060', [ubl()]);
    await arrived(sink, mine);
    await nextCopy(ACCOUNTANT, ours);
    const id = await send('Rechnung R-77', [ubl(CREDIT_NOTE, 'gutschrift.xml')], madeTenantClient(gw, other));
    await arrived(sink, id);
    const copy = await nextCopy(OTHER_ACCOUNTANT, theirs);
    expect(copy.attachments.map((a) => a.filename)).toEqual(['gutschrift.xml']);
    expect(copy.subject).toBe('Kopie für die Buchhaltung: Rechnung R-77');
    expect(copiesTo(OTHER_ACCOUNTANT).length).toBe(theirs + 1);
    for (const m of copiesTo(OTHER_ACCOUNTANT)) expect(m.raw.includes(UBL.subarray(200, 400))).toBe(false);
    expect(copiesTo(ACCOUNTANT).length).toBe(ours + 1);
  });
});
