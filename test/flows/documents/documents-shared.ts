import type { Sink } from '../../helpers/sink.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { api, arrived, headerOf, legacyClient, queueIdOf } from '../../helpers/sender-harness.js';
import { simpleParser } from 'mailparser';
import { waitFor } from '../../helpers/wait-for.js';

/** Content settings for the document flows: every language's subject and text name document variables. */
export const DOCUMENT_SETTINGS = {
  companyName: 'Postbode Demo',
  // The package says only "Doc …": the type comes from this rule, the language from the document.
  rules: [{ name: 'all documents', field: 'subject', pattern: '^Doc ', documentType: 'invoice' }],
  builtinRules: false,
  subjects: {
    invoice: {
      nl: 'Factuur %document-number% van %amount|het afgesproken bedrag%, vóór %due-date%',
      fr: 'Facture %document-number% de %amount%, échéance %due-date%',
      en: 'Invoice %document-number% for %amount%, due %due-date%',
      de: 'Rechnung %document-number% über %amount%, fällig am %due-date%',
    },
  },
  texts: {
    Facturen: {
      nl: 'Beste %client-name|klant%,\n\nMededeling: %payment-reference|geen%.\n\n%company-name%',
      fr: 'Bonjour %client-name|client%,\n\nCommunication : %payment-reference|aucune%.',
      en: 'Dear %client-name|customer%,\n\nReference: %payment-reference|none%.',
      de: 'Guten Tag %client-name|Kunde%,\n\nVerwendungszweck: %payment-reference|keiner%.',
    },
  },
  defaultTexts: { invoice: 'Facturen' },
  body: { invoice: 'replace' },
  layout: 'none',
  enabled: true,
} as const;

export interface Delivered {
  readonly id: string;
  readonly subject: string;
  readonly text: string;
  /** The content note of the message log (GET /messages/:id). */
  readonly note: Record<string, unknown>;
}

export interface Attached {
  readonly filename: string;
  readonly content: Buffer;
  readonly contentType?: string;
}

/** A legacy package's mail with these attachments, as it arrived at the sink, and its message-log note. */
export async function sendWith(
  gw: TestGateway,
  sink: Sink,
  attachments: readonly Attached[],
  opts: { subject?: string; client?: ReturnType<typeof legacyClient> } = {},
): Promise<Delivered> {
  const id = await submit(gw, attachments, opts);
  const [got] = await arrived(sink, id);
  const parsed = await simpleParser(got!.raw);
  const log = await api(gw, 'GET', `/messages/${id}`);
  return {
    id,
    subject: parsed.subject ?? headerOf(got!.raw, 'Subject')[0] ?? '',
    text: parsed.text ?? '',
    note: (log.body.content ?? {}) as Record<string, unknown>,
  };
}

export interface Held {
  readonly id: string;
  /** The message log's content note. */
  readonly note: Record<string, unknown>;
  /** The message's review state: reason, detail, heldAt. */
  readonly review: Record<string, unknown>;
}

/** A legacy package's mail that the tenant's settings hold for review: its note and review state once held. */
export async function sendHeld(
  gw: TestGateway,
  attachments: readonly Attached[],
  opts: { subject?: string } = {},
): Promise<Held> {
  const id = await submit(gw, attachments, opts);
  const body = await waitFor(
    async () => {
      const log = await api(gw, 'GET', `/messages/${id}`);
      const message = log.body.message as { review?: Record<string, unknown> } | undefined;
      return message?.review !== undefined ? { log: log.body, review: message.review } : undefined;
    },
    15_000,
    `message ${id} held for review`,
    250, // the API's rate limit counts every poll
  );
  return { id, note: (body.log.content ?? {}) as Record<string, unknown>, review: body.review };
}

async function submit(
  gw: TestGateway,
  attachments: readonly Attached[],
  opts: { subject?: string; client?: ReturnType<typeof legacyClient> },
): Promise<string> {
  const info = await (opts.client ?? legacyClient(gw)).sendMail({
    from: 'facturen@demo.example',
    to: 'klant@klant.example',
    subject: opts.subject ?? 'Doc 1',
    text: 'Zie bijlage.',
    attachments: attachments.map((a) => ({ ...a })),
  });
  return queueIdOf(info.response);
}

/**
 * Starts the reader pool's worker (it starts on the first read, and loading the PDF library takes
 * seconds on a busy machine) through the preview, so the first mail is not timed with it.
 */
export async function warmReaders(gw: TestGateway, sample: Buffer): Promise<void> {
  const res = await api(gw, 'POST', `/tenants/${gw.tenantId}/content/preview`, {
    language: 'nl',
    documentType: 'invoice',
    attachment: { filename: 'warm.pdf', content: sample.toString('base64') },
  });
  if (res.status !== 200) throw new Error(`preview answered ${res.status}`);
}
