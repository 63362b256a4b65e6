import { GatewayError } from '../../core/gateway-error.js';
import type { ReviewEdit } from '../../core/hold.js';
import type { Logger } from '../../core/logger.js';
import type { RenderedMessage } from '../../core/rendered.js';
import type { QueuedMessage } from '../../core/types.js';
import type { GatewayQueue } from '../../queue/gateway-queue.js';
import { heldForReview, type ReviewEnd } from '../../queue/review-records.js';
import { accountantCopyId } from '../copies/sender-accountant.js';
import type { HoldRulesStore } from './hold-rules-store.js';
import { previewOf, type ReviewPreview } from './review-preview.js';

/** The queue as the review needs it. */
export type ReviewQueue = Pick<
  GatewayQueue,
  'get' | 'body' | 'rendered' | 'heldMessages' | 'editReview' | 'endReview' | 'release' | 'cancel'
>;

export interface ReviewServiceDeps {
  readonly queue: ReviewQueue;
  readonly rules: HoldRulesStore;
  /** Renders a held message again (its edit applied) for its held recipients; the pipeline's stages. */
  readonly rerender: (message: QueuedMessage, body: Buffer) => Promise<RenderedMessage>;
  /** Delivery looks at the queue now (after a release). */
  readonly notify: () => void;
  readonly logger: Logger;
}

export interface HeldMessage {
  readonly message: QueuedMessage;
  readonly preview: ReviewPreview | undefined;
}

/** Held messages a list shows at most, and a sweep handles at most per round. */
export const REVIEW_LIST_MAX = 100;
const SWEEP_MAX = 1_000;
const HOUR_MS = 3_600_000;

/**
 * The tenant's review of held messages: list with the rendered preview, edit (rendered again
 * with the edit, kept with the message), release, cancel, and the expiry rule. Another
 * tenant's message is E_MESSAGE_UNKNOWN, exactly like one that does not exist.
 */
export function createReviewService(deps: ReviewServiceDeps) {
  const { queue } = deps;

  async function heldOf(tenantId: string, id: string): Promise<QueuedMessage> {
    const message = await queue.get(id);
    if (!message || message.tenantId !== tenantId || message.review === undefined) {
      throw new GatewayError('E_MESSAGE_UNKNOWN', `no held message ${id}`);
    }
    return message;
  }

  async function view(message: QueuedMessage): Promise<HeldMessage> {
    const rendered = await queue.rendered(message.id);
    return { message, preview: rendered ? await previewOf(message, rendered) : undefined };
  }

  async function end(message: QueuedMessage, now: number, ended: ReviewEnd, reason: string): Promise<QueuedMessage> {
    const after = await queue.endReview(message.id, now, ended, reason);
    await followCopy(message.id, now, ended.outcome, reason);
    if (ended.outcome === 'released') deps.notify();
    return after;
  }

  /** The accountant copy of a held message was queued held: it goes, or not, with its message. */
  async function followCopy(id: string, now: number, outcome: ReviewEnd['outcome'], reason: string): Promise<void> {
    const copy = await queue.get(accountantCopyId(id));
    if (copy?.heldAt === undefined) return;
    try {
      if (outcome === 'released') await queue.release(copy.id, now, reason);
      else await queue.cancel(copy.id, now, reason);
    } catch (err) {
      deps.logger.error({ queueId: id, copyId: copy.id, err }, 'the accountant copy did not follow its message');
    }
  }

  return {
    rules: deps.rules,

    async list(tenantId: string): Promise<HeldMessage[]> {
      const held = (await queue.heldMessages(tenantId, REVIEW_LIST_MAX)).filter(heldForReview);
      return Promise.all(held.map(view));
    },

    async get(tenantId: string, id: string): Promise<HeldMessage> {
      return view(await heldOf(tenantId, id));
    },

    /** Keeps the edit with the message and renders it again, so the preview and a release show the edit. */
    async edit(tenantId: string, id: string, change: Omit<ReviewEdit, 'at'>, now: number): Promise<HeldMessage> {
      const message = await heldOf(tenantId, id);
      if (!heldForReview(message)) throw new GatewayError('E_CONFLICT', `message ${id} is not held for review`);
      const body = await queue.body(id);
      if (!body) throw new GatewayError('E_MESSAGE_UNKNOWN', `the body of message ${id} is gone`);
      const edit: ReviewEdit = { ...message.review?.edit, ...change, at: now };
      const edited: QueuedMessage = {
        ...message,
        review: { ...(message.review ?? { reason: 'header', detail: '', heldAt: now }), edit },
      };
      const rendered = await deps.rerender(edited, body);
      return view(await queue.editReview(id, edit, rendered));
    },

    async release(tenantId: string, id: string, now: number): Promise<QueuedMessage> {
      const ended: ReviewEnd = { at: now, outcome: 'released', by: 'tenant' };
      return end(await heldOf(tenantId, id), now, ended, 'released after review');
    },

    async cancel(tenantId: string, id: string, now: number): Promise<QueuedMessage> {
      const ended: ReviewEnd = { at: now, outcome: 'cancelled', by: 'tenant' };
      return end(await heldOf(tenantId, id), now, ended, 'cancelled after review');
    },

    /** One round of the expiry rule over held messages (bounded); resolves with how many it ended. */
    async expire(now: number): Promise<number> {
      let ended = 0;
      for (const message of await queue.heldMessages(undefined, SWEEP_MAX)) {
        if (!heldForReview(message) || message.review === undefined) continue;
        const { afterHours, action } = deps.rules.get(message.tenantId).expiry;
        if (now - message.review.heldAt < afterHours * HOUR_MS) continue;
        const outcome = action === 'release' ? 'released' : 'cancelled';
        try {
          await end(message, now, { at: now, outcome, by: 'expiry' }, `hold expired after ${afterHours} h: ${outcome}`);
          ended++;
        } catch (err) {
          deps.logger.error({ queueId: message.id, err }, 'review expiry failed; the next sweep tries again');
        }
      }
      return ended;
    },
  };
}

export type ReviewService = ReturnType<typeof createReviewService>;
