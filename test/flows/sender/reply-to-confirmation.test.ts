import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { confirmationToken, pressConfirm } from '../../helpers/reply-confirm.js';
import {
  api,
  arrived,
  headerOf,
  legacyClient,
  PLATFORM,
  queueIdOf,
  startSenderGateway,
} from '../../helpers/sender-harness.js';
import { logRecipient, type LogRecipient } from '../../helpers/message-log.js';
import { metricValue, sendToMx } from '../../helpers/mx-harness.js';
import { startSink, type Sink } from '../../helpers/sink.js';
import { personReply } from '../../feedback/mail-fixtures.js';

/**
 * "Send replies to" is used only once its owner agreed: a link is mailed to it, opening
 * the link changes nothing, its button confirms (once). Until then replies wait in the
 * queue (deferred, visible in the message log) and go out when it is confirmed.
 */
describe('reply-forwarding target needs confirmation', () => {
  let sink: Sink;
  let gw: TestGateway;
  const forwarding = `facturen@${PLATFORM.sendingDomain}`;
  const sender = (): string => `/tenants/${gw.tenantId}/sender`;
  let answered = '';
  let token = '';
  let heldId = '';

  beforeAll(async () => {
    sink = await startSink();
    gw = await startSenderGateway(sink.port);
    const info = await legacyClient(gw).sendMail({
      from: 'billing@acme.test',
      to: 'jan@customer.test',
      subject: 'Factuur 5',
      text: 'x\n',
    });
    const [got] = await arrived(sink, queueIdOf(info.response));
    answered = headerOf(got!.raw, 'Message-ID')[0] ?? '';
  });
  afterAll(async () => {
    await gw?.stop();
    await sink?.close();
  });

  async function reply(messageId: string): Promise<string> {
    const body = personReply({ to: forwarding, from: 'jan@customer.test', messageId, inReplyTo: answered });
    const answer = await sendToMx(gw, 'jan@customer.test', forwarding, body);
    expect(answer.code).toBe(250);
    return queueIdOf(answer.last);
  }

  const recipient = (id: string, until: (r: LogRecipient) => boolean) => logRecipient(gw, id, until);
  const heldCount = () => metricValue(gw, 'postbode_mx_replies_held_total{reason="unconfirmed"}');

  it('saving replyTo mails a one-time link to it and shows replyToConfirmed: false', async () => {
    const put = await api(gw, 'PUT', sender(), { localPart: 'facturen', replyTo: 'office@acme.test' });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ replyTo: 'office@acme.test', replyToConfirmed: false });
    token = await confirmationToken(sink, 'office@acme.test');
    const mail = sink.messages.find((m) => m.raw.includes(token))!;
    expect(mail.envelope.from).toBe('');
    expect(headerOf(mail.raw, 'Subject')).toEqual(['Confirm that replies may be forwarded to this address']);
    expect(mail.raw.toString('utf8')).toContain(`http://localhost:8080/reply-address/confirm?token=${token}`);
    expect((await api(gw, 'GET', sender())).body).toMatchObject({ replyToConfirmed: false });
  });

  it('a reply before confirmation is held in the queue (deferred, saying why), not forwarded', async () => {
    const before = await heldCount();
    heldId = await reply('<early@customer.test>');
    const r = await recipient(heldId, (x) => x.status === 'deferred');
    expect(r.address).toBe('office@acme.test');
    expect(r.lastReply).toMatch(/^451 4\.7\.1 reply address awaiting confirmation/);
    expect(sink.messages.some((m) => headerOf(m.raw, 'Message-ID').includes('<early@customer.test>'))).toBe(false);
    expect(await heldCount()).toBe(before + 1);
  });

  it('opening the link (as a scanner would) confirms nothing; a resend a moment later is refused (429)', async () => {
    const opened = await fetch(`http://127.0.0.1:${gw.gateway.httpPort}/reply-address/confirm?token=${token}`);
    expect(opened.status).toBe(200);
    const html = await opened.text();
    expect(html).toContain('office@acme.test');
    expect(html).toMatch(/<form method="post" action="\/reply-address\/confirm">/);
    expect(opened.headers.get('content-security-policy')).toContain("form-action 'self'");
    expect((await api(gw, 'GET', sender())).body).toMatchObject({ replyToConfirmed: false });

    const again = await api(gw, 'POST', `${sender()}/reply-to/confirmation`);
    expect(again.status).toBe(429);
    expect(again.body).toMatchObject({ error: 'rate_limited', retryAfterSeconds: expect.any(Number) });
  });

  it('another tenant can neither resend nor confirm with a token of its own', async () => {
    const other = await api(gw, 'POST', '/tenants', { name: 'Other BV' });
    const otherId = (other.body.tenant as { id: string }).id;
    const otherToken = String((await api(gw, 'POST', `/tenants/${otherId}/tokens`, {})).body.token);
    const asOther = await fetch(`http://127.0.0.1:${gw.gateway.httpPort}/api/v1${sender()}/reply-to/confirmation`, {
      method: 'POST',
      headers: { authorization: `Bearer ${otherToken}` },
    });
    expect(asOther.status).toBe(404);
    // Its own reply address (even the same one) needs its own confirmation.
    const before = sink.messages.length;
    expect((await api(gw, 'PUT', `/tenants/${otherId}/sender`, { replyTo: 'office@acme.test' })).body).toMatchObject({
      replyToConfirmed: false,
    });
    const theirs = await confirmationToken(sink, 'office@acme.test', before);
    const forged = `${gw.tenantId}.${theirs.split('.')[1]}`;
    expect((await pressConfirm(gw, forged)).status).toBe(400);
    expect((await api(gw, 'GET', sender())).body).toMatchObject({ replyToConfirmed: false });
  });

  it('the button confirms once; the held reply goes out at once; the link then is used up', async () => {
    const pressed = await pressConfirm(gw, token);
    expect(pressed.status).toBe(200);
    expect(await pressed.text()).toContain('Replies will be forwarded to <strong>office@acme.test</strong>');
    expect((await api(gw, 'GET', sender())).body).toMatchObject({ replyToConfirmed: true });
    await recipient(heldId, (x) => x.status === 'delivered');
    expect(sink.messages.some((m) => headerOf(m.raw, 'Message-ID').includes('<early@customer.test>'))).toBe(true);
    const [forwarded] = await arrived(sink, await reply('<after@customer.test>'));
    expect(forwarded!.envelope.to).toEqual(['office@acme.test']);
    expect((await pressConfirm(gw, token)).status).toBe(400);
  });

  it('changing replyTo starts over: the new address is unconfirmed and its replies wait', async () => {
    const put = await api(gw, 'PUT', sender(), { replyTo: 'boekhouding@acme.test' });
    expect(put.body).toMatchObject({ replyTo: 'boekhouding@acme.test', replyToConfirmed: false });
    const id = await reply('<later@customer.test>');
    expect((await recipient(id, (x) => x.status === 'deferred')).lastReply).toMatch(/awaiting confirmation/);
    expect((await pressConfirm(gw, token)).status).toBe(400);
  });
});
