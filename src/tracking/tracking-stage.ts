import type { RecipientState } from '../core/types.js';
import { buildMime, type HeaderLine } from '../rules/build-mime.js';
import type { ComposedMessage } from '../rules/compose.js';
import { injectPixel, pixelUrl } from './pixel.js';
import { makeToken } from './tracking-token.js';

/**
 * The open-tracking stage: after the sender identity, before DKIM signing. Every recipient
 * gets its own copy with its own pixel, so an open names the recipient. Archive and
 * accountant recipients get a token that never counts: their copy looks the same, but
 * fetching its pixel marks nobody's mail read.
 *
 * The pixel goes into the composed HTML before MIME encoding (the content stage hands over
 * the composed message), so a base64 or quoted-printable part is never patched in place.
 */
export interface TrackingDeps {
  /** SecretBox.deriveKey('tracking'). */
  readonly key: Buffer;
  /** config http.publicBaseUrl: where the pixel route is reachable from the internet. */
  readonly publicBaseUrl: string;
}

export interface TrackingInput {
  readonly composed: ComposedMessage;
  readonly headers: readonly HeaderLine[];
}

/** Tracking applies: the tenant wants it, the mode allows it, and the message is client mail. */
export function trackingWanted(openTracking: boolean, mode: string, isCopy: boolean): boolean {
  // Gmail mode: one send for all recipients, and the tenant's Sent folder would load the pixel.
  return openTracking && mode !== 'own-smtp' && mode !== 'gmail' && !isCopy;
}

/** Whose opens count as reads. */
export function countsAsRead(recipient: Pick<RecipientState, 'role'>): boolean {
  return recipient.role !== 'archive' && recipient.role !== 'accountant';
}

/**
 * One finished copy per pending recipient, keyed by address; undefined when the message has
 * no HTML part (nothing to put a pixel in). `finish` applies the header stages that follow
 * the content stage (hidden headers, sender identity) to each copy.
 */
export async function trackedCopies(
  deps: TrackingDeps, input: TrackingInput, queueId: string, pending: readonly RecipientState[], finish: (raw: Buffer) => Buffer,
): Promise<Map<string, Buffer> | undefined> {
  const html = input.composed.html;
  if (html === undefined) return undefined;
  const copies = new Map<string, Buffer>();
  for (const recipient of pending) {
    const token = makeToken(deps.key, { messageId: queueId, recipient: recipient.address, counts: countsAsRead(recipient) });
    const withPixel = injectPixel(html, pixelUrl(deps.publicBaseUrl, token));
    copies.set(recipient.address, finish(await buildMime({ ...input.composed, html: withPixel }, input.headers)));
  }
  return copies;
}
