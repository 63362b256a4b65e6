import type { TestGateway } from './gateway-harness.js';
import { waitFor } from './wait-for.js';
import type { Sink } from './sink.js';

/** The token of the newest confirmation link mailed to `address` (waits for the mail at the sink). */
export function confirmationToken(sink: Sink, address: string, after = 0): Promise<string> {
  return waitFor(
    () => {
      const mails = sink.messages
        .slice(after)
        .filter((m) => m.envelope.to.includes(address) && m.raw.includes('/reply-address/confirm?token='));
      const text = mails.at(-1)?.raw.toString('utf8');
      return text === undefined ? undefined : /\/reply-address\/confirm\?token=([^\s]+)/.exec(text)?.[1];
    },
    15_000,
    `confirmation link to ${address}`,
  );
}

/** Presses the button of the link's page, as the address owner does. */
export function pressConfirm(gw: TestGateway, token: string): Promise<Response> {
  return fetch(`http://127.0.0.1:${gw.gateway.httpPort}/reply-address/confirm`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }).toString(),
  });
}

/** The whole confirmation of a reply address that was just saved. */
export async function confirmReplyTo(gw: TestGateway, sink: Sink, address: string): Promise<void> {
  const answer = await pressConfirm(gw, await confirmationToken(sink, address));
  if (answer.status !== 200) throw new Error(`confirmation answered ${answer.status}`);
}
