import { createTransport } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newQueueId } from '../../../src/core/ids.js';
import { makeVerp } from '../../../src/feedback/verp.js';
import { createSecretBox } from '../../../src/secrets/secret-box.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { RawSmtp, type RawReply } from '../../helpers/raw-smtp.js';
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
import { logRecipient, type LogRecipient } from '../../helpers/message-log.js';
import { metricValue, sendInvoice, sendToMx } from '../../helpers/mx-harness.js';
import { confirmReplyTo } from '../../helpers/reply-confirm.js';
import { startSink, type Sink, type SinkMessage } from '../../helpers/sink.js';
import { gmailTextBounce, outOfOffice, personReply, standardDsn } from '../../feedback/mail-fixtures.js';

describe('inbound MX end to end: bounces, replies, auto-replies, suppression', () => {
  let sink: Sink;
  let gw: TestGateway;
  const forwarding = `facturen@${PLATFORM.sendingDomain}`;
  // The same key the gateway gets from POSTBODE_SECRET_KEY (sender-harness): lets the test make a VERP with a valid
  // MAC.
  const verpKey = createSecretBox(Buffer.from('ab'.repeat(32), 'hex')).deriveKey('verp');
  // Replies are forwarded only when they answer a message the tenant sent: this one.
  let answered = '';

  beforeAll(async () => {
    sink = await startSink();
    gw = await startSenderGateway(sink.port, { smtp: { maxMessageSize: 64 * 1024 } });
    const put = await api(gw, 'PUT', `/tenants/${gw.tenantId}/sender`, {
      localPart: 'facturen',
      replyTo: 'office@acme.test',
    });
    expect(put.status).toBe(200);
    await confirmReplyTo(gw, sink, 'office@acme.test');
    answered = (await invoice('jan@customer.test')).messageId;
  });
  afterAll(async () => {
    await gw?.stop();
    await sink?.close();
  });

  /** An invoice through the submission port, delivered to the sink: its queue id, VERP sender and Message-ID. */
  const invoice = (to: string) => sendInvoice(gw, sink, to, { subject: 'Factuur 2024-0012', text: 'Beste klant,\n' });
  const toMx = (from: string, rcpt: string, body: string) => sendToMx(gw, from, rcpt, body);
  const recipientOf = (id: string, address: string, until: (r: LogRecipient) => boolean) =>
    logRecipient(gw, id, until, address);
  const metric = (name: string) => metricValue(gw, name);

  function forwardedTo(mxReply: RawReply): Promise<SinkMessage[]> {
    return arrived(sink, queueIdOf(mxReply.last));
  }

  it('offers STARTTLS but no AUTH, refuses other domains (5.7.1) and unknown local parts (5.1.1)', async () => {
    const { client } = await RawSmtp.open(gw.gateway.mxPort!);
    try {
      const ehlo = await client.expect('EHLO mx.other.test', 250);
      expect(ehlo.lines).toContain('STARTTLS');
      expect(ehlo.lines.some((l) => l.startsWith('AUTH'))).toBe(false);
      await client.expect('MAIL FROM:<someone@other.test>', 250);
      expect((await client.command('RCPT TO:<victim@elsewhere.test>')).last).toBe('550 5.7.1 Relay access denied');
      expect((await client.command(`RCPT TO:<nobody@${PLATFORM.sendingDomain}>`)).last).toMatch(/^550 5\.1\.1 /);
      expect((await client.command(`RCPT TO:<${forwarding}>`)).code).toBe(250);
    } finally {
      client.close();
    }
  });

  it('shares the submission rules: 552 over smtp.maxMessageSize, bare LF made CRLF before storing', async () => {
    const big =
      personReply({
        to: forwarding,
        from: 'jan@customer.test',
        messageId: '<big@customer.test>',
        inReplyTo: answered,
      }) + 'x'.repeat(70 * 1024);
    const { client } = await RawSmtp.open(gw.gateway.mxPort!);
    try {
      expect((await client.send('jan@customer.test', [forwarding], big)).last).toMatch(/^552 5\.3\.4 /);
    } finally {
      client.close();
    }
    const lf = personReply({
      to: forwarding,
      from: 'jan@customer.test',
      messageId: '<lf@customer.test>',
      inReplyTo: answered,
    }).replace(/\r\n/g, '\n');
    const [got] = await forwardedTo(await toMx('jan@customer.test', forwarding, lf));
    expect(got!.raw.includes('\r\nX-Mailer: Klantmail 1.0\r\n')).toBe(true);
    expect(/[^\r]\n/.test(got!.raw.toString('latin1'))).toBe(false);
  });

  it(
    'a standard DSN (failed, 5.1.1) makes the delivered recipient bounced and suppresses the address; the next ' +
      'invoice is not sent',
    async () => {
      const sent = await invoice('gone@customer.test');
      const reply = await toMx(
        '',
        sent.verp,
        standardDsn({
          to: sent.verp,
          recipient: 'gone@customer.test',
          action: 'failed',
          status: '5.1.1',
          diagnostic:
            '550 5.1.1 <gone@customer.test>: Recipient address rejected: User unknown in virtual mailbox table',
          messageId: sent.messageId,
        }),
      );
      expect(reply.code).toBe(250);
      const r = await recipientOf(sent.id, 'gone@customer.test', (x) => x.status === 'bounced');
      expect(r.lastReply).toMatch(/User unknown/);
      expect(r.history.at(-1)).toMatchObject({ outcome: 'bounced' });
      expect(await metric('postbode_mx_bounces_total{category="hard"}')).toBeGreaterThanOrEqual(1);

      const list = await api(gw, 'GET', `/tenants/${gw.tenantId}/suppressions`);
      expect(list.body.suppressions).toEqual([expect.objectContaining({ address: 'gone@customer.test', bounces: 1 })]);

      const before = sink.messages.length;
      const info = await legacyClient(gw).sendMail({
        from: 'billing@acme.test',
        to: 'gone@customer.test',
        subject: 'Factuur 2024-0013',
        text: 'x\n',
      });
      const next = await recipientOf(queueIdOf(info.response), 'gone@customer.test', (x) => x.status === 'bounced');
      expect(next.lastReply).toMatch(
        new RegExp(
          [
            String.raw`^550 5\.1\.1 suppressed: gone@customer\.test bounced on \d{4}-\d{2}-\d{2} `,
            '.*remove it from the suppression list to send again$',
          ].join(''),
        ),
      );
      expect(sink.messages.slice(before).some((m) => m.envelope.to.includes('gone@customer.test'))).toBe(false);
    },
  );

  it('a delayed DSN leaves the recipient delivered with a "delayed" note', async () => {
    const sent = await invoice('slow@customer.test');
    await toMx(
      '',
      sent.verp,
      standardDsn({
        to: sent.verp,
        recipient: 'slow@customer.test',
        action: 'delayed',
        status: '4.4.1',
        diagnostic: '451 4.4.1 Connection timed out',
      }),
    );
    const r = await recipientOf(sent.id, 'slow@customer.test', (x) => x.history.some((h) => h.outcome === 'delayed'));
    expect(r.status).toBe('delivered');
    expect(r.history.at(-1)?.reply).toMatch(/^delayed: 451 4\.4\.1/);
  });

  it('a Gmail-style free-text bounce is categorised by the rule table', async () => {
    const sent = await invoice('typo@customer.test');
    await toMx('', sent.verp, gmailTextBounce(sent.verp, 'typo@customer.test'));
    const r = await recipientOf(sent.id, 'typo@customer.test', (x) => x.status === 'bounced');
    expect(r.lastReply).toMatch(/email account that you tried to reach does not exist/);
  });

  it('forged bounces (bad MAC, unknown message) are accepted, dropped and counted; nothing changes', async () => {
    const sent = await invoice('kept@customer.test');
    const forgedBefore = await metric('postbode_mx_forged_bounces_total');
    const badMac = sent.verp.replace(
      /-([a-z2-7]{13})@/,
      (_m, mac: string) => `-${mac.startsWith('a') ? 'b' : 'a'}${mac.slice(1)}@`,
    );
    const unknown = makeVerp(
      { localPart: 'bounces', domain: PLATFORM.bounceDomain, key: verpKey },
      { queueId: newQueueId(), recipientIndex: 0 },
    );
    const dsn = (to: string): string =>
      standardDsn({
        to,
        recipient: 'kept@customer.test',
        action: 'failed',
        status: '5.1.1',
        diagnostic: '550 5.1.1 User unknown',
      });
    expect((await toMx('', badMac, dsn(badMac))).code).toBe(250);
    expect((await toMx('', unknown, dsn(unknown))).code).toBe(250);
    await waitFor(
      async () => ((await metric('postbode_mx_forged_bounces_total')) >= forgedBefore + 2 ? true : undefined),
      5_000,
      'forged count',
    );
    const r = await recipientOf(sent.id, 'kept@customer.test', () => true);
    expect(r.status).toBe('delivered');
    const list = await api(gw, 'GET', `/tenants/${gw.tenantId}/suppressions`);
    expect((list.body.suppressions as Array<{ address: string }>).map((s) => s.address)).not.toContain(
      'kept@customer.test',
    );
  });

  it(
    'a reply to the forwarding address reaches "send replies ' + 'to" with an SRS0 envelope sender and its own headers',
    async () => {
      const mx = await toMx(
        'jan@customer.test',
        forwarding,
        personReply({
          to: forwarding,
          from: 'jan@customer.test',
          messageId: '<reply-1@customer.test>',
          inReplyTo: answered,
        }),
      );
      expect(mx.code).toBe(250);
      const [got] = await forwardedTo(mx);
      expect(got!.envelope.to).toEqual(['office@acme.test']);
      expect(got!.envelope.from).toMatch(
        new RegExp(`^SRS0=[^=]{4}=[A-Z2-7]{2}=customer\\.test=jan@${PLATFORM.bounceDomain.replace(/\./g, '\\.')}$`),
      );
      expect(headerOf(got!.raw, 'From')).toEqual(['Jan Klant <jan@customer.test>']);
      expect(headerOf(got!.raw, 'Subject')).toEqual(['Re: Factuur 2024-0012']);
      expect(headerOf(got!.raw, 'Message-ID')).toEqual(['<reply-1@customer.test>']);
      expect(headerOf(got!.raw, 'X-Mailer')).toEqual(['Klantmail 1.0']);
      expect(headerOf(got!.raw, 'X-Postbode-Forwarded-For')).toEqual([gw.tenantId]);
      expect(got!.raw.toString('utf8')).toContain('Dank, ik betaal volgende week.');
      expect(await metric('postbode_mx_replies_forwarded_total')).toBeGreaterThanOrEqual(1);
    },
  );

  it('takes mail over STARTTLS with the submission certificate', async () => {
    const transport = createTransport({
      host: '127.0.0.1',
      port: gw.gateway.mxPort!,
      requireTLS: true,
      tls: { rejectUnauthorized: false },
    });
    const info = await transport.sendMail({
      envelope: { from: 'jan@customer.test', to: [forwarding] },
      raw: personReply({
        to: forwarding,
        from: 'jan@customer.test',
        messageId: '<tls@customer.test>',
        inReplyTo: answered,
      }),
    });
    const [got] = await arrived(sink, queueIdOf(info.response));
    expect(headerOf(got!.raw, 'Received').some((r) => r.includes('ESMTPS'))).toBe(true);
  });

  it(
    'never forwards a reply that already carries our ' + 'X-Postbode-Forwarded-For for this tenant (mail loop)',
    async () => {
      const loop = await toMx(
        'office@acme.test',
        forwarding,
        personReply({
          to: forwarding,
          from: 'office@acme.test',
          messageId: '<loop-1@acme.test>',
          inReplyTo: answered,
          extra: [`X-Postbode-Forwarded-For: ${gw.tenantId}`],
        }),
      );
      const marker = await toMx(
        'jan@customer.test',
        forwarding,
        personReply({
          to: forwarding,
          from: 'jan@customer.test',
          messageId: '<after-loop@customer.test>',
          inReplyTo: answered,
        }),
      );
      await forwardedTo(marker); // processed in arrival order: the loop one was handled before this arrived
      expect(sink.messages.some((m) => m.raw.includes(`id ${queueIdOf(loop.last)}`))).toBe(false);
    },
  );

  it(
    'an out-of-office is recorded against the invoice, ' + 'not forwarded; forwarded once forwardAutoReplies is on',
    async () => {
      const sent = await invoice('away@customer.test');
      const before = sink.messages.length;
      const first = await toMx(
        '',
        forwarding,
        outOfOffice({ to: forwarding, from: 'away@customer.test', inReplyTo: sent.messageId }),
      );
      const r = await recipientOf(sent.id, 'away@customer.test', (x) =>
        x.history.some((h) => h.outcome === 'auto-reply'),
      );
      expect(r.status).toBe('delivered');
      expect(sink.messages.slice(before).some((m) => m.raw.includes(`id ${queueIdOf(first.last)}`))).toBe(false);
      expect(await metric('postbode_mx_auto_replies_total')).toBeGreaterThanOrEqual(1);

      expect((await api(gw, 'PUT', `/tenants/${gw.tenantId}/sender`, { forwardAutoReplies: true })).status).toBe(200);
      const second = await toMx(
        '',
        forwarding,
        outOfOffice({ to: forwarding, from: 'away@customer.test', inReplyTo: sent.messageId }),
      );
      const [got] = await forwardedTo(second);
      expect(got!.envelope).toEqual({ from: '', to: ['office@acme.test'] });
      expect(headerOf(got!.raw, 'Auto-Submitted')).toEqual(['auto-replied']);
      await api(gw, 'PUT', `/tenants/${gw.tenantId}/sender`, { forwardAutoReplies: false });
    },
  );

  it("suppression API: add, list, delete; another tenant's token gets 404", async () => {
    const path = `/tenants/${gw.tenantId}/suppressions`;
    const added = await api(gw, 'POST', path, { address: 'Manual@Customer.test', reason: 'asked us to stop' });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ address: 'manual@customer.test', reason: 'asked us to stop', bounces: 0 });
    expect((await api(gw, 'POST', path, { address: 'not an address' })).status).toBe(400);
    const listed = await api(gw, 'GET', path);
    expect((listed.body.suppressions as Array<{ address: string }>).map((s) => s.address)).toContain(
      'manual@customer.test',
    );

    const other = await api(gw, 'POST', '/tenants', { name: 'Other BV' });
    const otherId = (other.body.tenant as { id: string }).id;
    const token = ((await api(gw, 'POST', `/tenants/${otherId}/tokens`, {})).body as { token: string }).token;
    const asOther = async (method: string, p: string): Promise<number> =>
      (
        await fetch(`http://127.0.0.1:${gw.gateway.httpPort}/api/v1${p}`, {
          method,
          headers: { authorization: `Bearer ${token}` },
        })
      ).status;
    expect(await asOther('GET', path)).toBe(404);
    expect(await asOther('DELETE', `${path}/manual%40customer.test`)).toBe(404);
    expect(await asOther('GET', `/tenants/${otherId}/suppressions`)).toBe(200);

    expect((await api(gw, 'DELETE', `${path}/manual%40customer.test`)).status).toBe(204);
    expect((await api(gw, 'DELETE', `${path}/manual%40customer.test`)).status).toBe(404);
    const after = await api(gw, 'GET', path);
    expect((after.body.suppressions as Array<{ address: string }>).map((s) => s.address)).not.toContain(
      'manual@customer.test',
    );
  });
});
