import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { sendInvoice, sendToMx, type SentInvoice } from '../../helpers/mx-harness.js';
import { api, PLATFORM, startSenderGateway } from '../../helpers/sender-harness.js';
import { startSink, type Sink } from '../../helpers/sink.js';
import { waitFor } from '../../helpers/wait-for.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../helpers/webhook-receiver.js';
import { FAST_WEBHOOKS } from './webhook-helpers.js';

const FORWARDING = `facturen@${PLATFORM.sendingDomain}`;
const ABUSE = `abuse@${PLATFORM.sendingDomain}`;

function mail(headers: string[], text: string): string {
  return [...headers, '', text, ''].join('\r\n');
}

/** The returned original inside a feedback-loop report (ARF, RFC 5965) about `messageId`. */
function arf(messageId: string): string {
  return [
    'From: Feedback Loop <fbl@isp.customer.test>',
    `To: ${ABUSE}`,
    'Subject: Abuse report',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=feedback-report; boundary="=_arf"',
    '',
    '--=_arf',
    'Content-Type: message/feedback-report',
    '',
    'Feedback-Type: abuse',
    'Version: 1',
    'Original-Rcpt-To: <jan@customer.test>',
    '',
    '--=_arf',
    'Content-Type: message/rfc822',
    '',
    `From: Acme <${FORWARDING}>`,
    'To: jan@customer.test',
    `Message-ID: ${messageId}`,
    '',
    'Beste klant,',
    '--=_arf--',
    '',
  ].join('\r\n');
}

/**
 * Events of what comes back, through the real inbound MX: a person's reply (an auto-reply is
 * none) and a spam complaint, each written with the record the MX makes of it.
 */
describe('webhook events from the inbound MX', () => {
  let sink: Sink;
  let gw: TestGateway;
  let receiver: WebhookReceiver;
  let invoice: SentInvoice;

  beforeAll(async () => {
    sink = await startSink();
    receiver = await startWebhookReceiver();
    gw = await startSenderGateway(sink.port, { webhooks: FAST_WEBHOOKS });
    expect(
      (await api(gw, 'PUT', `/tenants/${gw.tenantId}/sender`, { localPart: 'facturen', replyTo: 'office@acme.test' }))
        .status,
    ).toBe(200);
    const made = await api(gw, 'POST', `/tenants/${gw.tenantId}/webhooks`, {
      url: receiver.url,
      events: ['message.replied', 'message.complaint', 'message.opened'],
    });
    expect(made.status).toBe(201);
    receiver.secret = made.body.secret as string;
    invoice = await sendInvoice(gw, sink, 'jan@customer.test', { subject: 'Factuur 2026-5', text: 'Beste Jan,\n' });
  });
  afterAll(async () => {
    await gw?.stop();
    await Promise.all([sink?.close(), receiver?.close()]);
  });

  const ofType = (type: string) => receiver.received.filter((r) => r.verified && r.payload?.type === type);

  it('sends message.replied for a person’s reply, and none for an auto-reply', async () => {
    const auto = mail(
      [
        'From: Jan <jan@customer.test>',
        `To: ${FORWARDING}`,
        'Subject: Out of office',
        'Auto-Submitted: auto-replied',
        `In-Reply-To: ${invoice.messageId}`,
        'Message-ID: <auto-1@customer.test>',
      ],
      'I am away.',
    );
    expect((await sendToMx(gw, '', FORWARDING, auto)).code).toBe(250);
    const reply = mail(
      [
        'From: Jan de Klant <JAN@customer.test>',
        `To: ${FORWARDING}`,
        'Subject: Re: Factuur 2026-5',
        `In-Reply-To: ${invoice.messageId}`,
        'Message-ID: <reply-1@customer.test>',
      ],
      'Paid today.',
    );
    expect((await sendToMx(gw, 'jan@customer.test', FORWARDING, reply)).code).toBe(250);
    await waitFor(() => ofType('message.replied').length > 0, 10_000, 'the replied event');
    expect(ofType('message.replied')).toHaveLength(1);
    expect(ofType('message.replied')[0]?.payload?.data).toMatchObject({
      queueId: invoice.id,
      messageId: invoice.messageId,
      recipient: 'jan@customer.test',
      role: 'client',
      subject: 'Factuur 2026-5',
    });
  });

  it('sends message.complaint with the feedback type when a receiver reports the invoice as spam', async () => {
    expect((await sendToMx(gw, '', ABUSE, arf(invoice.messageId))).code).toBe(250);
    const hook = await waitFor(() => ofType('message.complaint')[0], 10_000, 'the complaint event');
    expect(hook.payload?.data).toMatchObject({
      queueId: invoice.id,
      recipient: 'jan@customer.test',
      feedbackType: 'abuse',
    });
  });
});
