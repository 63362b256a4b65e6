import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSink, type Sink } from '../helpers/sink.js';
import type { TestGateway } from '../helpers/gateway-harness.js';
import { api, arrived, legacyClient, queueIdOf, startSenderGateway, waitFor } from '../helpers/sender-harness.js';

const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(20_000, 0xa7)]);
const ubl = Buffer.from('<?xml version="1.0" encoding="UTF-8"?>\n<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>2024-0012</ID></Invoice>\n');

describe('accountant copies end to end', () => {
  let sink: Sink;
  let gw: TestGateway;

  beforeAll(async () => {
    sink = await startSink();
    gw = await startSenderGateway(sink.port);
  });
  afterAll(async () => {
    await gw.stop();
    await sink.close();
  });

  async function sendInvoice(subject = 'Factuur 2024-0012'): Promise<string> {
    const info = await legacyClient(gw).sendMail({
      from: 'billing@acme.test', to: 'jan@customer.test', subject, text: 'Beste Jan,\n\nIn de bijlage vindt u factuur 2024-0012.\n',
      attachments: [
        { filename: 'factuur-2024-0012.pdf', content: pdf, contentType: 'application/pdf' },
        { filename: 'factuur-2024-0012.xml', content: ubl, contentType: 'application/xml' },
      ],
    });
    return queueIdOf(info.response);
  }

  const toAccountant = () => sink.messages.filter((m) => m.envelope.to.includes('boekhouder@acct.test'));

  it('automatic: an invoice also goes, as a separate message, to the accountant with both documents byte for byte', async () => {
    const put = await api(gw, 'PUT', `/tenants/${gw.tenantId}/sender`, { accountantAddress: 'boekhouder@acct.test', accountantMode: 'automatic' });
    expect(put.status).toBe(200);
    const id = await sendInvoice();
    const [client] = await arrived(sink, id);
    expect(client!.envelope.to).toEqual(['jan@customer.test']);
    const [copy] = await waitFor(() => (toAccountant().length >= 1 ? toAccountant() : undefined));
    const parsed = await simpleParser(copy!.raw);
    expect(parsed.attachments.map((a) => a.filename)).toEqual(['factuur-2024-0012.pdf', 'factuur-2024-0012.xml']);
    expect(parsed.attachments[0]!.content.equals(pdf)).toBe(true);
    expect(parsed.attachments[1]!.content.equals(ubl)).toBe(true);
    expect(parsed.subject).toBe('Factuur 2024-0012');
    expect(parsed.from?.text).toMatch(/@send\.postbode\.test/); // the same sender identity as the client's copy
    expect(copy!.raw.toString('latin1')).not.toMatch(/^X-Postbode-Accountant-Copy:/im);

    // not an invoice: no copy
    const before = toAccountant().length;
    const info = await legacyClient(gw).sendMail({ from: 'billing@acme.test', to: 'jan@customer.test', subject: 'Lunch on Friday?', text: 'See you\n' });
    await arrived(sink, queueIdOf(info.response));
    await new Promise((r) => setTimeout(r, 150));
    expect(toAccountant().length).toBe(before);
  });

  it('manual: the API sends a past message to the accountant from its stored body', async () => {
    await api(gw, 'PUT', `/tenants/${gw.tenantId}/sender`, { accountantMode: 'off' });
    const id = await sendInvoice('Factuur 2024-0013');
    await arrived(sink, id);
    const refused = await api(gw, 'POST', `/messages/${id}/send-to-accountant`, {});
    expect(refused.status).toBe(409);

    await api(gw, 'PUT', `/tenants/${gw.tenantId}/sender`, { accountantMode: 'manual' });
    const before = toAccountant().length;
    const answer = await api(gw, 'POST', `/messages/${id}/send-to-accountant`, {});
    expect(answer.status).toBe(202);
    const copyId = (answer.body.message as { id: string }).id;
    expect(copyId).not.toBe(id);
    const copies = await waitFor(() => (toAccountant().length > before ? toAccountant() : undefined));
    const parsed = await simpleParser(copies.at(-1)!.raw);
    expect(parsed.subject).toBe('Factuur 2024-0013');
    expect(parsed.attachments.map((a) => a.content.equals(a.filename?.endsWith('.pdf') ? pdf : ubl))).toEqual([true, true]);
  });
});
