import type { TestGateway } from './gateway-harness.js';
import { api } from './sender-harness.js';
import { waitFor } from './wait-for.js';

/** The message log as the Config API shows it (GET /messages/:id), for the flow tests. */

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
    15_000,
    `${address ?? 'recipient'} of ${id}`,
  );
}
