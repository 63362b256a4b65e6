import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { api, arrived, legacyClient, queueIdOf, startSenderGateway } from '../../helpers/sender-harness.js';
import { waitFor } from '../../helpers/wait-for.js';
import type { LogRecipient } from '../../helpers/message-log.js';
import { metricValue, sendToMx } from '../../helpers/mx-harness.js';
import { startSink, type Sink } from '../../helpers/sink.js';

/** A DSN with one block per listed recipient, all failed with 5.1.1. */
function dsnListing(to: string, failed: readonly string[]): string {
  const blocks = failed.flatMap((r) => [
    `Final-Recipient: rfc822; ${r}`,
    'Action: failed',
    'Status: 5.1.1',
    `Diagnostic-Code: smtp; 550 5.1.1 <${r}>: User unknown`,
    '',
  ]);
  return [
    'From: MAILER-DAEMON@mx.customer.test',
    `To: ${to}`,
    'Subject: Undelivered Mail Returned to Sender',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain',
    '',
    'failed',
    '',
    '--b1',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.customer.test',
    '',
    ...blocks,
    '--b1--',
    '',
  ].join('\r\n');
}

/**
 * Whoever receives one copy of a message sees its own VERP envelope sender: a report sent
 * there may change that recipient only, never the other recipients it lists.
 */
describe('a DSN only affects the recipient its VERP token names', () => {
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

  async function sendToTwo(first: string, second: string): Promise<{ id: string; verpOfFirst: string }> {
    const info = await legacyClient(gw).sendMail({
      from: 'billing@acme.test',
      to: [first, second],
      subject: 'Factuur 7',
      text: 'x\n',
    });
    const id = queueIdOf(info.response);
    const copies = await arrived(sink, id, 2);
    await waitFor(
      async () => ((await statuses(id)).every((r) => r.status === 'delivered') ? true : undefined),
      8_000,
      'delivered',
    );
    const copy = copies.find((m) => m.envelope.to.includes(first));
    return { id, verpOfFirst: copy!.envelope.from };
  }

  async function statuses(id: string): Promise<LogRecipient[]> {
    return ((await api(gw, 'GET', `/messages/${id}`)).body.message as { recipients: LogRecipient[] }).recipients;
  }

  async function toMx(rcpt: string, body: string): Promise<void> {
    expect((await sendToMx(gw, '', rcpt, body)).code).toBe(250);
  }

  const forgedCount = () => metricValue(gw, 'postbode_mx_forged_bounces_total');

  async function suppressed(): Promise<string[]> {
    return (
      (await api(gw, 'GET', `/tenants/${gw.tenantId}/suppressions`)).body.suppressions as Array<{ address: string }>
    ).map((s) => s.address);
  }

  it("a DSN to recipient 1's VERP address listing 1 and 2 as failed bounces only recipient 1", async () => {
    const sent = await sendToTwo('een@customer.test', 'twee@customer.test');
    await toMx(sent.verpOfFirst, dsnListing(sent.verpOfFirst, ['twee@customer.test', 'een@customer.test']));
    await waitFor(
      async () =>
        (await statuses(sent.id)).find((r) => r.address === 'een@customer.test')?.status === 'bounced'
          ? true
          : undefined,
      8_000,
      'een bounced',
    );
    expect((await statuses(sent.id)).find((r) => r.address === 'twee@customer.test')?.status).toBe('delivered');
    // the suppression list is written right after the status
    await waitFor(
      async () => ((await suppressed()).includes('een@customer.test') ? true : undefined),
      5_000,
      'een suppressed',
    );
    expect(await suppressed()).not.toContain('twee@customer.test');
  });

  it(
    "a DSN to recipient 1's VERP address listing only " + 'recipient 2 changes nothing and is counted as forged',
    async () => {
      const sent = await sendToTwo('drie@customer.test', 'vier@customer.test');
      const before = await forgedCount();
      await toMx(sent.verpOfFirst, dsnListing(sent.verpOfFirst, ['vier@customer.test']));
      await waitFor(async () => ((await forgedCount()) > before ? true : undefined), 5_000, 'forged count');
      expect((await statuses(sent.id)).map((r) => r.status)).toEqual(['delivered', 'delivered']);
      expect(await suppressed()).not.toContain('vier@customer.test');
    },
  );
});
