import type { RenderedMessage } from '../../core/rendered.js';
import type { QueuedMessage } from '../../core/types.js';
import { parseMail } from '../../mime/parse-mail.js';
import { withoutPixel } from '../tracking/pixel.js';

/** What a held message would look like to its client: the rendered subject, text and HTML. */
export interface ReviewPreview {
  readonly subject: string;
  readonly text: string;
  readonly html?: string;
  /** The client recipients this rendering goes to. */
  readonly to: readonly string[];
  readonly attachments: ReadonlyArray<{
    readonly filename?: string;
    readonly contentType: string;
    readonly size: number;
  }>;
}

/**
 * The preview from the kept rendering: the delivery to the first client recipient (archive copies
 * look the same), without its open-tracking pixel, so showing the preview never counts as an open.
 */
export async function previewOf(message: QueuedMessage, rendered: RenderedMessage): Promise<ReviewPreview | undefined> {
  const clients = new Set(message.recipients.filter((r) => (r.role ?? 'client') === 'client').map((r) => r.address));
  const delivery = rendered.deliveries.find((d) => d.recipients.some((a) => clients.has(a))) ?? rendered.deliveries[0];
  if (!delivery) return undefined;
  const parsed = await parseMail(delivery.raw);
  return {
    subject: parsed.subject ?? '',
    text: parsed.text ?? '',
    ...(typeof parsed.html === 'string' ? { html: withoutPixel(parsed.html) } : {}),
    to: rendered.deliveries.flatMap((d) => d.recipients).filter((a) => clients.has(a)),
    attachments: parsed.attachments.map((a) => ({
      ...(a.filename === undefined ? {} : { filename: a.filename }),
      contentType: a.contentType,
      size: a.size,
    })),
  };
}
