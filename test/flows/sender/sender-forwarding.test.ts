import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSink, type Sink } from '../../helpers/sink.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import {
  api,
  arrived,
  headerOf,
  legacyClient,
  PLATFORM,
  queueIdOf,
  startSenderGateway,
} from '../../helpers/sender-harness.js';
import { waitFor } from '../../helpers/wait-for.js';

describe('sender modes end to end: forwarding, archive, own-address fallback, gmail', () => {
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
  beforeEach(async () => {
    // back to defaults: every test sets what it needs
    await api(gw, 'PUT', `/tenants/${gw.tenantId}/sender`, {
      mode: 'forwarding',
      displayName: null,
      localPart: null,
      replyTo: null,
      replyToWins: 'tenant',
      keepOriginalFrom: true,
      ownAddress: null,
      archiveAddress: null,
      accountantAddress: null,
      accountantMode: 'off',
    });
  });

  async function send(mail: Record<string, unknown>): Promise<string> {
    const info = await legacyClient(gw).sendMail({ subject: 'Factuur 2024-0012', text: 'Beste Jan,\n', ...mail });
    return queueIdOf(info.response);
  }

  it(
    'forwarding by default: platform From with the tenant name, VERP envelope sender; the package From (not the ' +
      "tenant's) leaves nowhere, no Sender",
    async () => {
      const id = await send({
        from: '"Vendor" <noreply@vendor.test>',
        sender: 'robot@vendor.test',
        to: 'jan@customer.test',
      });
      const [got] = await arrived(sink, id);
      const local = gw.user.toLowerCase().replace(/[^a-z0-9.-]+/g, '-');
      expect(headerOf(got!.raw, 'From')).toEqual([`"Acme Facturatie BV" <${local}@${PLATFORM.sendingDomain}>`]);
      expect(headerOf(got!.raw, 'Sender')).toEqual([]);
      expect(headerOf(got!.raw, 'Reply-To')).toEqual([]);
      expect(headerOf(got!.raw, 'X-Postbode-Original-From')).toEqual([]);
      expect(got!.envelope.from).toMatch(
        new RegExp(`^bounces\\+${id.toLowerCase()}-0-[a-z2-7]{13}@${PLATFORM.bounceDomain.replace(/\./g, '\\.')}$`),
      );
      expect(headerOf(got!.raw, 'Return-Path')).toEqual([]);
    },
  );

  it(
    'uses the tenant display name (non-ASCII, RFC 2047), ' + 'local part and reply address; the next message already',
    async () => {
      const put = await api(gw, 'PUT', `/tenants/${gw.tenantId}/sender`, {
        displayName: 'Bakkerij Müller',
        localPart: 'facturen',
        replyTo: 'office@acme.test',
        keepOriginalFrom: false,
      });
      expect(put.status).toBe(200);
      const id = await send({ from: 'billing@acme.test', to: 'jan@customer.test', replyTo: 'legacy@acme.test' });
      const [got] = await arrived(sink, id);
      expect(headerOf(got!.raw, 'From')).toEqual([
        `=?UTF-8?B?${Buffer.from('Bakkerij Müller').toString('base64')}?= <facturen@${PLATFORM.sendingDomain}>`,
      ]);
      expect(headerOf(got!.raw, 'Reply-To')).toEqual(['<office@acme.test>']);
      expect(headerOf(got!.raw, 'X-Postbode-Original-From')).toEqual([]);

      await api(gw, 'PUT', `/tenants/${gw.tenantId}/sender`, { replyToWins: 'legacy' });
      const id2 = await send({ from: 'billing@acme.test', to: 'jan@customer.test', replyTo: 'legacy@acme.test' });
      const [got2] = await arrived(sink, id2);
      // "legacy wins" only for a Reply-To the tenant owns: acme.test is not verified, so the tenant's own stays.
      expect(headerOf(got2!.raw, 'Reply-To')).toEqual(['<office@acme.test>']);
    },
  );

  it(
    'archive address: its own recipient, ' + 'riding in the first client transaction, and no Bcc header reaches anyone',
    async () => {
      await api(gw, 'PUT', `/tenants/${gw.tenantId}/sender`, { archiveAddress: 'archive@backup.test' });
      const id = await send({ from: 'billing@acme.test', to: 'jan@customer.test', bcc: 'boss@acme.test' });
      const got = await arrived(sink, id, 2);
      const byRecipients = new Map(got.map((m) => [[...m.envelope.to].sort().join(','), m]));
      // one transaction per client recipient (each its own VERP sender); the archive copy shares the first
      expect([...byRecipients.keys()].sort()).toEqual(['archive@backup.test,jan@customer.test', 'boss@acme.test']);
      for (const m of got) expect(m.raw.toString('latin1')).not.toMatch(/^Bcc:/im);
      expect(
        byRecipients.get('boss@acme.test')!.raw.equals(byRecipients.get('archive@backup.test,jan@customer.test')!.raw),
      ).toBe(true);
      const froms = new Set(got.map((m) => m.envelope.from));
      expect(froms.size).toBe(2);

      const log = await waitFor(async () => {
        const answer = await api(gw, 'GET', `/messages/${id}`);
        const recipients = (
          answer.body.message as { recipients: Array<{ address: string; status: string; role?: string }> }
        ).recipients;
        return recipients.every((r) => r.status === 'delivered') ? recipients : undefined;
      });
      expect(log.map((r) => r.address).sort()).toEqual(['archive@backup.test', 'boss@acme.test', 'jan@customer.test']);
      expect(log.find((r) => r.address === 'archive@backup.test')?.role).toBe('archive');
      expect(log.find((r) => r.address === 'jan@customer.test')?.role).toBeUndefined();
    },
  );

  it('own-address falls back to forwarding while the domain is unverified, and the message log says why', async () => {
    // added, so pending: a domain never added is refused when saved (settings-combinations.test.ts)
    expect((await api(gw, 'POST', `/tenants/${gw.tenantId}/domains`, { domain: 'acme.test' })).status).toBe(201);
    const put = await api(gw, 'PUT', `/tenants/${gw.tenantId}/sender`, {
      mode: 'own-address',
      ownAddress: 'facturen@acme.test',
    });
    expect(put.status).toBe(200);
    const id = await send({ from: 'billing@acme.test', to: 'jan@customer.test' });
    const [got] = await arrived(sink, id);
    expect(headerOf(got!.raw, 'From')[0]).toMatch(new RegExp(`@${PLATFORM.sendingDomain.replace(/\./g, '\\.')}>$`));
    expect(got!.raw.toString('latin1')).not.toContain('From: "Acme Facturatie BV" <facturen@acme.test>');
    const reply = await waitFor(async () => {
      const answer = await api(gw, 'GET', `/messages/${id}`);
      const [r] = (answer.body.message as { recipients: Array<{ history: Array<{ reply: string }> }> }).recipients;
      return r?.history[0]?.reply;
    });
    expect(reply).toMatch(/^250 .*\(sent in forwarding mode: domain acme\.test is not verified yet\)$/);
  });

  it('refuses gmail (409), CR/LF in names and address lists (400)', async () => {
    const gmail = await api(gw, 'PUT', `/tenants/${gw.tenantId}/sender`, { mode: 'gmail' });
    expect(gmail.status).toBe(409);
    expect(gmail.body.message).toMatch(/not available/);
    const crlf = await api(gw, 'PUT', `/tenants/${gw.tenantId}/sender`, { displayName: 'Acme\r\nBcc: victim@x.test' });
    expect(crlf.status).toBe(400);
    const ls = await api(gw, 'PUT', `/tenants/${gw.tenantId}/sender`, { displayName: 'Acme\u2028x' });
    expect(ls.status).toBe(400);
    const list = await api(gw, 'PUT', `/tenants/${gw.tenantId}/sender`, { replyTo: 'a@x.test, b@y.test' });
    expect(list.status).toBe(400);
    const noAddress = await api(gw, 'PUT', `/tenants/${gw.tenantId}/sender`, { accountantMode: 'automatic' });
    expect(noAddress.status).toBe(400);
    const get = await api(gw, 'GET', `/tenants/${gw.tenantId}/sender`);
    expect(get.body).toMatchObject({ mode: 'forwarding', accountantMode: 'off' });
  });
});
