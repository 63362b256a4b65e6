import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSink, type Sink } from '../../helpers/sink.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { api, arrived, legacyClient, queueIdOf, startSenderGateway } from '../../helpers/sender-harness.js';
import { expectNothingFor, waitFor } from '../../helpers/wait-for.js';

const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(20_000, 0xa7)]);
const ubl = Buffer.from(
  '<?xml version="1.0" encoding="UTF-8"?>\n<Invoice ' +
    'xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>2024-0012</ID></Invoice>\n',
);

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
      from: 'billing@acme.test',
      to: 'jan@customer.test',
      subject,
      text: 'Beste Jan,\n\nIn de bijlage vindt u factuur 2024-0012.\n',
      attachments: [
        { filename: 'factuur-2024-0012.pdf', content: pdf, contentType: 'application/pdf' },
        { filename: 'factuur-2024-0012.xml', content: ubl, contentType: 'application/xml' },
      ],
    });
    return queueIdOf(info.response);
  }

  const toAccountant = () => sink.messages.filter((m) => m.envelope.to.includes('boekhouder@acct.test'));

  it(
    'automatic: an invoice also goes, as a separate message, ' + 'to the accountant with both documents byte for byte',
    async () => {
      const put = await api(gw, 'PUT', `/tenants/${gw.tenantId}/sender`, {
        accountantAddress: 'boekhouder@acct.test',
        accountantMode: 'automatic',
      });
      expect(put.status).toBe(200);
      const id = await sendInvoice();
      const [client] = await arrived(sink, id);
      expect(client!.envelope.to).toEqual(['jan@customer.test']);
      const [copy] = await waitFor(() => (toAccountant().length >= 1 ? toAccountant() : undefined));
      const parsed = await simpleParser(copy!.raw);
      expect(parsed.attachments.map((a) => a.filename)).toEqual(['factuur-2024-0012.pdf', 'factuur-2024-0012.xml']);
      expect(parsed.attachments[0]!.content.equals(pdf)).toBe(true);
      expect(parsed.attachments[1]!.content.equals(ubl)).toBe(true);
      // A tenant that never saved content settings: Dutch (the default language), the built-in text.
      expect(parsed.subject).toBe('Kopie voor de boekhouding: Factuur 2024-0012');
      expect(parsed.text).toContain('Voor uw administratie');
      expect(parsed.from?.text).toMatch(/@send\.postbode\.test/); // the same sender identity as the client's copy
      expect(copy!.raw.toString('latin1')).not.toMatch(/^X-Postbode-Accountant-Copy:/im);

      // not an invoice: no copy
      const before = toAccountant().length;
      const info = await legacyClient(gw).sendMail({
        from: 'billing@acme.test',
        to: 'jan@customer.test',
        subject: 'Lunch on Friday?',
        text: 'See you\n',
      });
      await arrived(sink, queueIdOf(info.response));
      await expectNothingFor(150, () => toAccountant().length === before, 'no accountant copy');
      expect(toAccountant().length).toBe(before);
    },
  );

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
    expect(parsed.subject).toBe('Kopie voor de boekhouding: Factuur 2024-0013');
    expect(parsed.attachments.map((a) => a.content.equals(a.filename?.endsWith('.pdf') ? pdf : ubl))).toEqual([
      true,
      true,
    ]);
  });

  async function manualCopyOf(
    id: string,
  ): Promise<{ copyId: string; parsed: Awaited<ReturnType<typeof simpleParser>> }> {
    const before = toAccountant().length;
    const answer = await api(gw, 'POST', `/messages/${id}/send-to-accountant`, {});
    expect(answer.status).toBe(202);
    const copies = await waitFor(() => (toAccountant().length > before ? toAccountant() : undefined));
    return { copyId: (answer.body.message as { id: string }).id, parsed: await simpleParser(copies.at(-1)!.raw) };
  }

  it(
    "uses the tenant's language and accountant template; refuses a template with an unknown variable, naming the " +
      'field',
    async () => {
      const bad = await api(gw, 'PUT', `/tenants/${gw.tenantId}/content`, {
        enabled: false,
        accountant: { subject: { nl: 'Kopie %bedrag%' } },
      });
      expect(bad.status).toBe(400);
      expect(Object.keys(bad.body.fields as object)).toContain('body.accountant.subject.nl');

      const saved = await api(gw, 'PUT', `/tenants/${gw.tenantId}/content`, {
        enabled: false,
        defaultLanguage: 'nl',
        companyName: 'Acme Facturatie BV',
        accountant: {
          subject: { nl: 'Boekhouding %company-name%: %original-subject%', en: 'Books: %original-subject%' },
          text: { nl: 'Dag Els,\n\n%Document-type% %document-number%, %document-count% documenten.\n' },
        },
      });
      expect(saved.status).toBe(200);
      await api(gw, 'PUT', `/tenants/${gw.tenantId}/sender`, { accountantMode: 'manual' });
      const id = await sendInvoice('Factuur 2024-0014');
      await arrived(sink, id);
      const { parsed } = await manualCopyOf(id);
      expect(parsed.subject).toBe('Boekhouding Acme Facturatie BV: Factuur 2024-0014');
      expect(parsed.text).toContain('Dag Els,');
      expect(parsed.text).toContain('Factuur 2024-0014, 2 documenten.');
      expect(parsed.headers.get('content-language')).toBe('nl');
      expect(parsed.attachments).toHaveLength(2);

      // An accountant with another language (by its domain) gets its own variant, else the built-in text in it.
      await api(gw, 'PUT', `/tenants/${gw.tenantId}/content`, {
        enabled: false,
        defaultLanguage: 'nl',
        domainLanguages: { 'acct.test': 'de' },
        accountant: { subject: { en: 'Books: %original-subject%' } },
      });
      const { parsed: german } = await manualCopyOf(id);
      expect(german.subject).toBe('Kopie für die Buchhaltung: Factuur 2024-0014');
      expect(german.text).toContain('Für Ihre Unterlagen');
    },
  );

  it(
    'refuses to send an accountant copy to the accountant again (409), and another tenant cannot send this ' +
      "tenant's message (404)",
    async () => {
      await api(gw, 'PUT', `/tenants/${gw.tenantId}/sender`, { accountantMode: 'manual' });
      const id = await sendInvoice('Factuur 2024-0015');
      await arrived(sink, id);
      const { copyId } = await manualCopyOf(id);
      const again = await api(gw, 'POST', `/messages/${copyId}/send-to-accountant`, {});
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({
        error: 'conflict',
        message: expect.stringMatching(/itself a copy for the accountant/),
      });

      const made = await api(gw, 'POST', '/tenants', { name: 'Other BV' });
      const otherId = (made.body.tenant as { id: string }).id;
      const token = (await api(gw, 'POST', `/tenants/${otherId}/tokens`, {})).body.token as string;
      await fetch(`http://127.0.0.1:${gw.gateway.httpPort}/api/v1/tenants/${otherId}/sender`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ accountantAddress: 'thief@other.test', accountantMode: 'manual' }),
      });
      const before = sink.messages.length;
      const stolen = await fetch(`http://127.0.0.1:${gw.gateway.httpPort}/api/v1/messages/${id}/send-to-accountant`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(stolen.status).toBe(404);
      const stolenCopy = () => sink.messages.slice(before).some((m) => m.envelope.to.includes('thief@other.test'));
      await expectNothingFor(150, () => !stolenCopy(), 'no copy to the other tenant');
      expect(stolenCopy()).toBe(false);
    },
  );
});
