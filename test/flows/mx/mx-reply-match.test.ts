import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import type { RawReply } from '../../helpers/raw-smtp.js';
import { metricValue, sendToMx } from '../../helpers/mx-harness.js';
import {
  api,
  arrived,
  headerOf,
  legacyClient,
  madeTenantClient,
  PLATFORM,
  queueIdOf,
  startSenderGateway,
} from '../../helpers/sender-harness.js';
import { confirmReplyTo } from '../../helpers/reply-confirm.js';
import { startSink, type Sink } from '../../helpers/sink.js';
import { personReply } from '../../feedback/mail-fixtures.js';

/**
 * The forwarding address relays only replies to mail the tenant sent (In-Reply-To or
 * References names one of its Message-IDs): anything else, spam included, is counted and
 * dropped, and another tenant's Message-ID does not open this tenant's forwarding.
 */
describe('only replies that answer a message the tenant sent are forwarded', () => {
  let sink: Sink;
  let gw: TestGateway;
  const forwarding = `facturen@${PLATFORM.sendingDomain}`;
  let ours = '';
  let theirs = '';

  beforeAll(async () => {
    sink = await startSink();
    gw = await startSenderGateway(sink.port);
    expect(
      (await api(gw, 'PUT', `/tenants/${gw.tenantId}/sender`, { localPart: 'facturen', replyTo: 'office@acme.test' }))
        .status,
    ).toBe(200);
    await confirmReplyTo(gw, sink, 'office@acme.test');
    ours = await sendInvoice(legacyClient(gw));
    const other = await api(gw, 'POST', '/tenants', { name: 'Other BV' });
    const otherClient = madeTenantClient(gw, other);
    theirs = await sendInvoice(otherClient);
  });
  afterAll(async () => {
    await gw?.stop();
    await sink?.close();
  });

  async function sendInvoice(client: ReturnType<typeof legacyClient>): Promise<string> {
    const info = await client.sendMail({
      from: 'billing@acme.test',
      to: 'jan@customer.test',
      subject: 'Factuur 9',
      text: 'x\n',
    });
    const [got] = await arrived(sink, queueIdOf(info.response));
    return headerOf(got!.raw, 'Message-ID')[0] ?? '';
  }

  async function toMx(body: string): Promise<RawReply> {
    const reply = await sendToMx(gw, 'jan@customer.test', forwarding, body);
    expect(reply.code).toBe(250);
    return reply;
  }

  const held = () => metricValue(gw, 'postbode_mx_replies_held_total{reason="unmatched"}');

  const forwardedIds = (): string[] =>
    sink.messages
      .filter((m) => m.envelope.to.includes('office@acme.test'))
      .flatMap((m) => headerOf(m.raw, 'Message-ID'));

  it("forwards a reply whose In-Reply-To or References names the tenant's message", async () => {
    const direct = await toMx(
      personReply({ to: forwarding, from: 'jan@customer.test', messageId: '<direct@customer.test>', inReplyTo: ours }),
    );
    await arrived(sink, queueIdOf(direct.last));
    const viaRefs = await toMx(
      personReply({
        to: forwarding,
        from: 'jan@customer.test',
        messageId: '<refs@customer.test>',
        extra: [`References: <unknown@x.test> ${ours.toUpperCase()}`],
      }),
    );
    await arrived(sink, queueIdOf(viaRefs.last));
  });

  it("drops and counts spam, a reply to another tenant's message, and one naming an unknown id", async () => {
    const before = await held();
    await toMx(personReply({ to: forwarding, from: 'jan@customer.test', messageId: '<spam@spammer.test>' }));
    await toMx(
      personReply({ to: forwarding, from: 'jan@customer.test', messageId: '<cross@customer.test>', inReplyTo: theirs }),
    );
    await toMx(
      personReply({
        to: forwarding,
        from: 'jan@customer.test',
        messageId: '<guess@customer.test>',
        inReplyTo: '<01JD0000000000000000000000@gw.postbode.test>',
      }),
    );
    // Processed in arrival order: once this one is forwarded, the three before it were handled.
    const marker = await toMx(
      personReply({ to: forwarding, from: 'jan@customer.test', messageId: '<marker@customer.test>', inReplyTo: ours }),
    );
    await arrived(sink, queueIdOf(marker.last));
    expect(
      forwardedIds().filter((id) =>
        ['<spam@spammer.test>', '<cross@customer.test>', '<guess@customer.test>'].includes(id),
      ),
    ).toEqual([]);
    expect(await held()).toBe(before + 3);
  });
});
