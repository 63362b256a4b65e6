import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountantCopyId } from '../../../src/pipeline/copies/sender-accountant.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { api, arrived, legacyClient, queueIdOf, startSenderGateway } from '../../helpers/sender-harness.js';
import { waitFor } from '../../helpers/wait-for.js';
import { startSink, type Sink } from '../../helpers/sink.js';
import { createTransport } from 'nodemailer';

const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(2_000, 0xa7)]);

/**
 * Detection once, with the tenant's rules: the automatic accountant copy follows the same
 * document type the tenant's own rules give (a subject only its rule knows is an invoice; a
 * "Factuur" its rule calls a quote is not), whether content rendering is on or off. The copy
 * is queued while the original is planned, before it is sent: once the original arrived,
 * the copy's absence from the queue is final. Real gateway, API and SMTP sink.
 */
describe("the accountant copy uses the tenant's detection rules", () => {
  let sink: Sink;
  let gw: TestGateway;

  beforeAll(async () => {
    sink = await startSink();
    gw = await startSenderGateway(sink.port);
  });
  afterAll(async () => {
    await gw?.stop();
    await sink?.close();
  });

  const rules = [
    { name: 'stukken', field: 'subject', pattern: 'Z-DOC-\\d+', documentType: 'invoice' },
    { name: 'proforma', field: 'subject', pattern: 'proforma', documentType: 'quote' },
  ];

  async function send(client: ReturnType<typeof createTransport>, subject: string): Promise<string> {
    const info = await client.sendMail({
      from: 'billing@acme.test',
      to: 'jan@customer.test',
      subject,
      text: 'In de bijlage.\n',
      attachments: [{ filename: 'stuk.pdf', content: pdf, contentType: 'application/pdf' }],
    });
    const id = queueIdOf(info.response);
    await arrived(sink, id);
    return id;
  }

  /** Whether an automatic accountant copy of `id` was queued (as seen by the admin). */
  async function copied(id: string): Promise<boolean> {
    return (await api(gw, 'GET', `/messages/${accountantCopyId(id)}`)).status === 200;
  }

  async function accountantCopiesTo(address: string, id: string): Promise<void> {
    await waitFor(
      () => (sink.messages.some((m) => m.envelope.to.includes(address) && m.raw.includes(`Z-DOC`)) ? true : undefined),
      8_000,
      `copy of ${id}`,
    );
  }

  it.each([false, true])('content rendering %s: the tenant rule decides, for this tenant only', async (enabled) => {
    const sender = await api(gw, 'PUT', `/tenants/${gw.tenantId}/sender`, {
      accountantAddress: 'boekhouder@acct.test',
      accountantMode: 'automatic',
    });
    expect(sender.status).toBe(200);
    expect((await api(gw, 'PUT', `/tenants/${gw.tenantId}/content`, { enabled, rules })).status).toBe(200);

    const own = await send(legacyClient(gw), `Stuk Z-DOC-${enabled ? 2 : 1}`);
    expect(await copied(own)).toBe(true);
    await accountantCopiesTo('boekhouder@acct.test', own);
    // Built-in rules call this an invoice; the tenant's own rule says quote: no copy.
    expect(await copied(await send(legacyClient(gw), `Factuur 2024-77 proforma ${enabled}`))).toBe(false);
    expect(await copied(await send(legacyClient(gw), `Factuur 2024-78 ${enabled}`))).toBe(true);
  });

  it('another tenant with the same accountant settings but without the rule gets no copy of such a mail', async () => {
    const made = await api(gw, 'POST', '/tenants', { name: 'Other BV', smtpUsername: 'other-detect' });
    const otherId = (made.body.tenant as { id: string }).id;
    const smtp = made.body.smtp as { username: string; password: string };
    const put = await api(gw, 'PUT', `/tenants/${otherId}/sender`, {
      accountantAddress: 'boekhouder@other.test',
      accountantMode: 'automatic',
    });
    expect(put.status).toBe(200);
    const other = createTransport({
      host: '127.0.0.1',
      port: gw.gateway.smtpPort,
      requireTLS: true,
      tls: { rejectUnauthorized: false },
      auth: { user: smtp.username, pass: smtp.password },
    });
    expect(await copied(await send(other, 'Stuk Z-DOC-3'))).toBe(false);
    expect(await copied(await send(other, 'Factuur 2024-79 proforma'))).toBe(true);
  });
});
