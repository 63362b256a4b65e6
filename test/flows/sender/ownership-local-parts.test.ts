import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { RawSmtp } from '../../helpers/raw-smtp.js';
import { confirmReplyTo } from '../../helpers/reply-confirm.js';
import {
  ADMIN,
  api,
  arrived,
  headerOf,
  madeTenantClient,
  PLATFORM,
  queueIdOf,
  startSenderGateway,
} from '../../helpers/sender-harness.js';
import { waitFor } from '../../helpers/wait-for.js';
import { startSink, type Sink } from '../../helpers/sink.js';

interface Answer {
  status: number;
  text: string;
  body: Record<string, unknown>;
}

/**
 * Forwarding local parts have one owner: a second tenant cannot take one (in any spelling),
 * nobody takes a reserved one, a new tenant's derived default never lands on a taken one, and
 * the MX routes a reply by the index to the owner. Real gateway, real API, real MX socket.
 */
describe('forwarding local parts are exclusive', () => {
  let sink: Sink;
  let gw: TestGateway;
  let tenantB: { id: string; token: string };

  /** A call with a tenant's own token (what a tenant has), never the admin's. */
  async function asTenant(token: string, method: string, path: string, body?: unknown): Promise<Answer> {
    const res = await fetch(`http://127.0.0.1:${gw.gateway.httpPort}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, text, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
  }

  async function newTenant(name: string, smtpUsername?: string): Promise<{ id: string; token: string }> {
    const made = await api(gw, 'POST', '/tenants', { name, ...(smtpUsername ? { smtpUsername } : {}) });
    expect(made.status).toBe(201);
    const id = (made.body.tenant as { id: string }).id;
    const tok = await api(gw, 'POST', `/tenants/${id}/tokens`, {});
    return { id, token: tok.body.token as string };
  }

  const putLocalPart = (t: { id: string; token: string }, localPart: unknown): Promise<Answer> =>
    asTenant(t.token, 'PUT', `/tenants/${t.id}/sender`, { localPart });

  beforeAll(async () => {
    sink = await startSink();
    gw = await startSenderGateway(sink.port);
    expect(
      (await api(gw, 'PUT', `/tenants/${gw.tenantId}/sender`, { localPart: 'facturen', replyTo: 'office@acme.test' }))
        .status,
    ).toBe(200);
    tenantB = await newTenant('Squatter BV');
    expect(ADMIN).not.toBe(tenantB.token);
  });
  afterAll(async () => {
    await gw?.stop();
    await sink?.close();
  });

  it('refuses a local part another tenant holds with 409 not_available, in every spelling, naming nobody', async () => {
    for (const spelling of ['facturen', 'Facturen', ' FACTUREN ', 'ｆａｃｔｕｒｅｎ']) {
      const answer = await putLocalPart(tenantB, spelling);
      expect(answer.status, spelling).toBe(409);
      expect(answer.body).toEqual({
        error: 'not_available',
        message: 'this address is not available',
        messageCode: 'address_not_available',
      });
      expect(answer.text).not.toContain(gw.tenantId);
      expect(answer.text).not.toContain('Acme');
      expect(answer.text).not.toContain(gw.user);
    }
    // A homograph (Cyrillic е) is no valid local part at all: a field error, not a second "facturen".
    const homograph = await putLocalPart(tenantB, 'factur\u0435n');
    expect(homograph.status).toBe(400);
    expect(Object.keys(homograph.body.fields as object)).toEqual(['body.localPart']);
    const own = await asTenant(tenantB.token, 'GET', `/tenants/${tenantB.id}/sender`);
    expect(own.body.localPart).not.toBe('facturen');
  });

  it('refuses reserved local parts with a field error', async () => {
    for (const name of [
      'postmaster',
      'Abuse',
      'mailer-daemon',
      'noreply',
      'no-reply',
      'hostmaster',
      'bounces',
      'bounces-x',
      'srs0',
      'SRS1-abc',
    ]) {
      const answer = await putLocalPart(tenantB, name);
      expect(answer.status, name).toBe(400);
      expect(answer.body.fields, name).toEqual({ 'body.localPart': [expect.stringContaining('reserved')] });
    }
  });

  it(
    'a new tenant whose derived default is taken gets a free variant; an explicit claim of a derived default is ' +
      'refused',
    async () => {
      const derived = await newTenant('Facturen Twee', 'Facturen');
      const view = await asTenant(derived.token, 'GET', `/tenants/${derived.id}/sender`);
      expect(view.body.localPart).toBe('facturen-2');
      const invoices = await newTenant('Invoices BV', 'invoices');
      expect((await asTenant(invoices.token, 'GET', `/tenants/${invoices.id}/sender`)).body.localPart).toBe('invoices');
      const answer = await putLocalPart(tenantB, 'invoices');
      expect(answer.status).toBe(409);
      expect(answer.body.error).toBe('not_available');
      // Clearing the local part goes back to the default, claimed the same way.
      expect((await putLocalPart(derived, null)).body.localPart).toBe('facturen-2');
    },
  );

  it('the MX routes a reply to the owner of the address, after an older tenant tried to take it', async () => {
    // The harness tenant is the oldest: a scan in creation order would find it first.
    const made = await api(gw, 'POST', '/tenants', { name: 'Betaal BV' });
    const owner = { id: (made.body.tenant as { id: string }).id, token: '' };
    owner.token = (await api(gw, 'POST', `/tenants/${owner.id}/tokens`, {})).body.token as string;
    expect(
      (
        await asTenant(owner.token, 'PUT', `/tenants/${owner.id}/sender`, {
          localPart: 'betalingen',
          replyTo: 'owner@betaal.test',
        })
      ).status,
    ).toBe(200);
    await confirmReplyTo(gw, sink, 'owner@betaal.test');
    expect((await api(gw, 'PUT', `/tenants/${gw.tenantId}/sender`, { localPart: 'betalingen' })).status).toBe(409);
    // Only replies to mail the owner sent are forwarded: the owner sends an invoice first.
    const ownerClient = madeTenantClient(gw, made);
    const sent = await ownerClient.sendMail({
      from: 'billing@betaal.test',
      to: 'klant@customer.test',
      subject: 'Factuur 12',
      text: 'x\n',
    });
    const [invoice] = await arrived(sink, queueIdOf(sent.response));
    const invoiceId = headerOf(invoice!.raw, 'Message-ID')[0] ?? '';
    const { client } = await RawSmtp.open(gw.gateway.mxPort!);
    let reply;
    try {
      const body =
        `From: klant@customer.test\r\nTo: betalingen@${PLATFORM.sendingDomain}\r\nSubject: Re: Factuur 12\r\n` +
        `Message-ID: <r1@customer.test>\r\nIn-Reply-To: ${invoiceId}\r\n\r\nBetaald.\r\n`;
      reply = await client.send(
        'klant@customer.test',
        [`Betalingen@${PLATFORM.sendingDomain}`],
        body,
        'mx.customer.test',
      );
    } finally {
      client.close();
    }
    expect(reply.code).toBe(250);
    const [forwarded] = await arrived(sink, queueIdOf(reply.last));
    expect(forwarded!.envelope.to).toEqual(['owner@betaal.test']);
  });

  it('a local part changed or of a deleted tenant is free again', async () => {
    expect((await api(gw, 'PUT', `/tenants/${gw.tenantId}/sender`, { localPart: 'facturen-nieuw' })).status).toBe(200);
    expect((await putLocalPart(tenantB, 'facturen')).status).toBe(200);
    const gone = await newTenant('Gone BV', 'leaving');
    expect((await api(gw, 'DELETE', `/tenants/${gone.id}`)).status).toBe(204);
    await waitFor(
      async () => ((await putLocalPart(tenantB, 'leaving')).status === 200 ? true : undefined),
      8_000,
      "the deleted tenant's local part to be released",
    );
  });
});
