import { readFileSync } from 'node:fs';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { api, legacyClient, queueIdOf } from '../../helpers/sender-harness.js';
import { waitFor } from '../../helpers/wait-for.js';

/** A Belgian UBL invoice (Peppol BIS 3.0): seller 0208:0123456749, buyer 0208:0987654321. */
export const UBL = readFileSync(new URL('../../fixtures/einvoice/ubl-invoice-be-structured.xml', import.meta.url));
/** The same invoice with a payable amount that no longer adds up: it fails validation. */
export const INVALID_UBL = Buffer.from(
  UBL.toString('utf8').replace(
    '<cbc:PayableAmount currencyID="EUR">1289.26</cbc:PayableAmount>',
    '<cbc:PayableAmount currencyID="EUR">9999.99</cbc:PayableAmount>',
  ),
);
export const PDF = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(4_000, 0x41)]);

export async function sendUbl(
  gw: TestGateway,
  to: string,
  ubl = UBL,
  subject = 'Factuur F-2026-0042',
): Promise<string> {
  const info = await legacyClient(gw).sendMail({
    from: 'billing@acme.test',
    to,
    subject,
    text: 'Beste klant,\n\nIn de bijlage vindt u uw factuur.\n',
    attachments: [
      { filename: 'factuur.pdf', content: PDF, contentType: 'application/pdf' },
      { filename: 'factuur.xml', content: ubl, contentType: 'application/xml' },
    ],
  });
  return queueIdOf(info.response);
}

export interface LoggedRecipient {
  readonly address: string;
  readonly status: string;
  readonly lastReply?: string;
  readonly attempts: number;
  readonly history: readonly { readonly outcome: string; readonly reply: string; readonly nextHop?: string }[];
}

/** The message's recipients once `done` says they have come as far as the test needs. */
export function recipientsOf(
  gw: TestGateway,
  id: string,
  done: (r: readonly LoggedRecipient[]) => boolean,
  timeoutMs = 8_000,
): Promise<readonly LoggedRecipient[]> {
  return waitFor(
    async () => {
      const got = await api(gw, 'GET', `/messages/${id}`);
      if (got.status !== 200) return undefined;
      const recipients = (got.body.message as { recipients: LoggedRecipient[] }).recipients;
      return done(recipients) ? recipients : undefined;
    },
    timeoutMs,
    `recipients of ${id}`,
    50,
  );
}
