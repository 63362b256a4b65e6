import type { HoldRequest } from '../core/hold.js';
import { storedRoute, type RenderedDelivery, type RenderedMessage } from '../core/rendered.js';
import { Replies } from '../core/smtp-reply.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { QueuedMessage, RecipientResult, Route } from '../core/types.js';

/** The queue's side of a review hold: hold the message and keep its rendering, in one transaction. */
export interface ReviewHolds {
  holdForReview(id: string, now: number, request: HoldRequest, rendered: RenderedMessage): Promise<QueuedMessage>;
}

/** One planned delivery, as the attempt grouped it. */
interface HeldGroup {
  readonly route: Route;
  readonly recipients: readonly string[];
  readonly from: string;
  readonly raw: Buffer;
  readonly note?: string;
  readonly renderedWith?: string;
}

/**
 * The pipeline asked for the tenant's review (Draft.hold): instead of sending, the message is
 * held and its deliveries are kept exactly as rendered, so the review shows what would leave
 * and a release sends those bytes. Resolves with no results (nothing was attempted); when the
 * hold cannot be written, every recipient is deferred: the retry renders and holds again,
 * and nothing leaves unreviewed.
 */
export async function holdInstead(
  deps: { readonly review: ReviewHolds; readonly clock: Clock; readonly logger: Logger },
  message: QueuedMessage,
  groups: readonly HeldGroup[],
  hold: HoldRequest,
): Promise<RecipientResult[]> {
  const deliveries: RenderedDelivery[] = [];
  for (const g of groups) {
    const route = storedRoute(g.route);
    // A per-attempt route (the suppression list's) is decided again at release.
    if (route === undefined) continue;
    deliveries.push({ route, recipients: g.recipients, from: g.from, raw: g.raw, ...(g.note ? { note: g.note } : {}) });
  }
  const fingerprint = groups.find((g) => g.renderedWith !== undefined)?.renderedWith ?? '';
  try {
    await deps.review.holdForReview(message.id, deps.clock(), hold, { fingerprint, deliveries });
    deps.logger.info({ queueId: message.id, reason: hold.reason, detail: hold.detail }, 'held for review');
    return [];
  } catch (err) {
    deps.logger.error({ queueId: message.id, err }, 'could not hold the message for review, deferring');
    const reply = Replies.holdFailed();
    return groups.flatMap((g) => g.recipients.map((address) => ({ address, outcome: 'deferred' as const, reply })));
  }
}
