import type { TestGateway } from './gateway-harness.js';
import { RawSmtp, type RawReply } from './raw-smtp.js';
import { api, arrived, headerOf, legacyClient, queueIdOf } from './sender-harness.js';
import type { Sink } from './sink.js';
import { waitFor } from './wait-for.js';

/** Shared steps of the inbound MX flow tests: an invoice out, mail in at the MX, the message log and metrics. */

/** One recipient of a message as the API's message log shows it. */
export interface LogRecipient {
  readonly address: string;
  readonly status: string;
  readonly lastReply?: string;
  readonly history: ReadonlyArray<{ readonly outcome: string; readonly reply: string }>;
}

/** The recipients of message `id` in the log; none while the log does not know it. */
export async function logRecipients(gw: TestGateway, id: string): Promise<LogRecipient[]> {
  const answer = await api(gw, 'GET', `/messages/${id}`);
  return (answer.body.message as { recipients: LogRecipient[] } | undefined)?.recipients ?? [];
}

/** Waits until the recipient `address` of message `id` (the first one when no address is given) matches `until`. */
export function logRecipient(
  gw: TestGateway,
  id: string,
  until: (r: LogRecipient) => boolean,
  address?: string,
): Promise<LogRecipient> {
  return waitFor(
    async () => {
      const all = await logRecipients(gw, id);
      const r = address === undefined ? all[0] : all.find((x) => x.address === address);
      return r && until(r) ? r : undefined;
    },
    8_000,
    `${address ?? 'recipient'} of ${id}`,
  );
}

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
