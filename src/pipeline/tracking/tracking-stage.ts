import type { RecipientState } from '../../core/types.js';
import { pixelUrl } from './pixel.js';
import { planPixel } from './pixel-plan.js';
import { makeToken } from '../../feedback/opens/tracking-token.js';

/**
 * The open-tracking stage: after the sender identity, before DKIM signing. Every recipient
 * gets its own copy with its own pixel, so an open names the recipient. Archive and
 * accountant recipients get a token that never counts: their copy looks the same, but
 * fetching its pixel marks nobody's mail read.
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

/**
 * One copy of `raw` (post-sender-identity, pre-DKIM) per pending recipient, keyed by address;
 * undefined when the message has no HTML part a pixel can go into.
 */
export function trackedCopies(
  deps: TrackingDeps,
  raw: Buffer,
  queueId: string,
  pending: readonly RecipientState[],
): Map<string, Buffer> | undefined {
  const plan = planPixel(raw);
  if (plan === undefined) return undefined;
  const copies = new Map<string, Buffer>();
  for (const recipient of pending) {
    const token = makeToken(deps.key, {
      messageId: queueId,
      recipient: recipient.address,
      counts: countsAsRead(recipient),
    });
    copies.set(recipient.address, plan.copy(pixelUrl(deps.publicBaseUrl, token)));
  }
  return copies;
}
