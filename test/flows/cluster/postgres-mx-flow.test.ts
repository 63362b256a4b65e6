import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { personReply, standardDsn } from '../../feedback/mail-fixtures.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { logRecipient } from '../../helpers/message-log.js';
import { sendInvoice, sendToMx } from '../../helpers/mx-harness.js';
import { startPostgres, type TestPostgres } from '../../helpers/postgres.js';
import { confirmReplyTo } from '../../helpers/reply-confirm.js';
import {
  api,
  arrived,
  headerOf,
  legacyClient,
  PLATFORM,
  queueIdOf,
  startSenderGateway,
} from '../../helpers/sender-harness.js';
import { startSink, type Sink } from '../../helpers/sink.js';
import { waitFor } from '../../helpers/wait-for.js';

/**
 * Two gateways on one PostgreSQL database share the MX's data: a hard bounce received by node B's MX
 * stops node A's delivery to that address, and a reply arriving at node B finds the message node A
 * sent and goes to the reply address confirmed through node A.
 */
let pg: TestPostgres;
let sink: Sink;
let a: TestGateway;
let b: TestGateway;
const forwarding = `facturen@${PLATFORM.sendingDomain}`;

beforeAll(async () => {
  pg = await startPostgres();
  sink = await startSink();
  const url = await pg.freshDatabase();
  const config = { smtp: { requireVerifiedSender: false }, store: { backend: 'postgres', postgres: { url } } };
  a = await startSenderGateway(sink.port, config);
  b = await startSenderGateway(sink.port, config);
  // The tenant's forwarding address and reply address, saved through node A only.
  const put = await api(a, 'PUT', `/tenants/${a.tenantId}/sender`, {
    localPart: 'facturen',
    replyTo: 'office@acme.test',
  });
  if (put.status !== 200) throw new Error(`saving the sender settings answered ${put.status}`);
}, 60_000);

afterAll(async () => {
  await b?.stop();
  await a?.stop();
  await sink?.close();
  await pg?.stop();
});

const invoice = (to: string) => sendInvoice(a, sink, to, { subject: 'Factuur 2026-0042', text: 'Beste klant,\n' });

describe('the MX on PostgreSQL, two nodes', () => {
  it("a hard bounce received by node B's MX stops node A's delivery to that address", async () => {
    const sent = await invoice('gone@customer.test');
    const dsn = standardDsn({
      to: sent.verp,
      recipient: 'gone@customer.test',
      action: 'failed',
      status: '5.1.1',
      diagnostic: '550 5.1.1 <gone@customer.test>: Recipient address rejected: User unknown',
      messageId: sent.messageId,
    });
    expect((await sendToMx(b, '', sent.verp, dsn)).code).toBe(250);
    await logRecipient(a, sent.id, (r) => r.status === 'bounced', 'gone@customer.test');
    const listed = await waitFor(
      async () => {
        const list = await api(a, 'GET', `/tenants/${a.tenantId}/suppressions`);
        return ((list.body.suppressions as unknown[] | undefined)?.length ?? 0) > 0
          ? list.body.suppressions
          : undefined;
      },
      5_000,
      "the suppression in node A's API",
    );
    expect(listed).toEqual([expect.objectContaining({ address: 'gone@customer.test', bounces: 1 })]);
    expect((await api(b, 'GET', `/tenants/${b.tenantId}/suppressions`)).body.suppressions).toEqual([]);

    const before = sink.messages.length;
    const info = await legacyClient(a).sendMail({
      from: 'billing@acme.test',
      to: 'gone@customer.test',
      subject: 'Factuur 2026-0043',
      text: 'x\n',
    });
    const next = await logRecipient(a, queueIdOf(info.response), (r) => r.status === 'bounced', 'gone@customer.test');
    expect(next.lastReply).toMatch(/^550 5\.1\.1 suppressed: gone@customer\.test bounced on /);
    expect(sink.messages.slice(before).some((m) => m.envelope.to.includes('gone@customer.test'))).toBe(false);
  });

  it("a DSN sent to node B's forwarding address finds node A's message by its Message-ID (sent index)", async () => {
    const sent = await invoice('moved@customer.test');
    const dsn = standardDsn({
      to: forwarding,
      recipient: 'moved@customer.test',
      action: 'failed',
      status: '5.1.1',
      diagnostic: '550 5.1.1 <moved@customer.test>: User unknown',
      messageId: sent.messageId,
    });
    expect((await sendToMx(b, '', forwarding, dsn)).code).toBe(250);
    const r = await logRecipient(a, sent.id, (x) => x.status === 'bounced', 'moved@customer.test');
    expect(r.lastReply).toMatch(/User unknown/);
  });

  it('a reply arriving at node B reaches the reply address confirmed through node A', async () => {
    await confirmReplyTo(a, sink, 'office@acme.test');
    const answered = (await invoice('jan@customer.test')).messageId;
    const reply = personReply({
      to: forwarding,
      from: 'jan@customer.test',
      messageId: '<reply-b@customer.test>',
      inReplyTo: answered,
    });
    const mx = await sendToMx(b, 'jan@customer.test', forwarding, reply);
    expect(mx.code).toBe(250);
    const [got] = await arrived(sink, queueIdOf(mx.last));
    expect(got?.envelope.to).toEqual(['office@acme.test']);
    expect(headerOf(got!.raw, 'X-Postbode-Forwarded-For')).toEqual([a.tenantId]);
  });
});
