import type { TestGateway } from './gateway-harness.js';
import { RawSmtp, type RawReply } from './raw-smtp.js';
import { arrived, headerOf, legacyClient, queueIdOf } from './sender-harness.js';
import type { Sink } from './sink.js';
import { logRecipient } from './message-log.js';

/** Shared steps of the inbound MX flow tests: an invoice out, mail in at the MX, a metric's value. */

export interface SentInvoice {
  readonly id: string;
  /** The envelope sender the sink saw: the VERP address a bounce goes to. */
  readonly verp: string;
  readonly messageId: string;
}

/** An invoice through the submission port, delivered to the sink (and so logged as delivered). */
export async function sendInvoice(
  gw: TestGateway,
  sink: Sink,
  to: string,
  mail: { readonly subject: string; readonly text: string },
): Promise<SentInvoice> {
  const info = await legacyClient(gw).sendMail({ from: 'billing@acme.test', to, ...mail });
  const id = queueIdOf(info.response);
  const [got] = await arrived(sink, id);
  await logRecipient(gw, id, (r) => r.status === 'delivered', to);
  return { id, verp: got!.envelope.from, messageId: headerOf(got!.raw, 'Message-ID')[0] ?? '' };
}

/** One message into the gateway's MX listener, as a receiving mail server would send it; the reply to its DATA. */
export async function sendToMx(gw: TestGateway, from: string, rcpt: string, body: string): Promise<RawReply> {
  const { client } = await RawSmtp.open(gw.gateway.mxPort!);
  try {
    return await client.send(from, [rcpt], body, 'mx.customer.test');
  } finally {
    client.close();
  }
}

/** The value of the first line of /metrics that starts with `series` (a name, with its labels if given); 0 if none. */
export async function metricValue(gw: TestGateway, series: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${gw.gateway.httpPort}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(series));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}
