import type { RecipientState } from '../../core/types.js';
import { pixelUrl } from './pixel.js';
import { planPixel } from './pixel-plan.js';
import { longEnoughForPixel } from './pixel-threshold.js';
import { makeToken } from '../../feedback/opens/tracking-token.js';

/**
 * The open-tracking stage: after the sender identity, before DKIM signing. Every client
 * recipient gets its own copy with its own pixel, so an open names the recipient. Accountant
 * recipients get a token that never counts: their copy looks the same, but fetching its pixel
 * marks nobody's mail read. The archive (backup) copy gets no pixel at all.
 *
 * It works on the finished bytes and edits the HTML part a reader shows, nothing else
 * (pixel-plan.ts): it needs no content rendering and re-encodes no attachment.
 */
export interface TrackingDeps {
  /** SecretBox.deriveKey('tracking'). */
  readonly key: Buffer;
  /** config http.publicBaseUrl: where the pixel route is reachable from the internet. */
  readonly publicBaseUrl: string;
}

/** Tracking applies: the tenant wants it, the mode allows it, and the message is client mail. */
export function trackingWanted(openTracking: boolean, mode: string, isCopy: boolean): boolean {
  // Mailbox modes (Gmail, Microsoft 365): one send for all recipients, and the Sent folder would load the pixel.
  return openTracking && mode !== 'own-smtp' && mode !== 'gmail' && mode !== 'microsoft365' && !isCopy;
}

/** Whose opens count as reads. */
export function countsAsRead(recipient: Pick<RecipientState, 'role'>): boolean {
  return recipient.role !== 'archive' && recipient.role !== 'accountant';
}

/** Why a message goes out without a pixel: no HTML part to put it in, or too little HTML for one. */
export type PixelSkipped = 'no-html-part' | 'short-html';

export type TrackedCopies =
  | { readonly copies: Map<string, Buffer> }
  | { readonly skipped: PixelSkipped; readonly htmlLength?: number };

/**
 * One copy of `raw` (post-sender-identity, pre-DKIM) per pending recipient, keyed by address.
 * The archive gets `raw` itself: the backup is what the client got, without a tracking request
 * of its own. No copies when the message has no HTML part a pixel can go into, or its HTML is
 * too short for a pixel (pixel-threshold.ts) and the tenant did not ask for it there too (`shortHtmlToo`).
 */
export function trackedCopies(
  deps: TrackingDeps,
  raw: Buffer,
  queueId: string,
  pending: readonly RecipientState[],
  shortHtmlToo = false,
): TrackedCopies {
  const plan = planPixel(raw);
  if (plan === undefined) return { skipped: 'no-html-part' };
  if (!shortHtmlToo && !longEnoughForPixel(plan.htmlLength))
    return { skipped: 'short-html', htmlLength: plan.htmlLength };
  const copies = new Map<string, Buffer>();
  for (const recipient of pending) {
    if (recipient.role === 'archive') {
      copies.set(recipient.address, raw);
      continue;
    }
    const token = makeToken(deps.key, {
      messageId: queueId,
      recipient: recipient.address,
      counts: countsAsRead(recipient),
    });
    copies.set(recipient.address, plan.copy(pixelUrl(deps.publicBaseUrl, token)));
  }
  return { copies };
}
