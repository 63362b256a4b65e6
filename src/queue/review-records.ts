import { GatewayError } from '../core/gateway-error.js';
import { holdReasonText, type HoldRequest, type ReviewEdit, type ReviewState } from '../core/hold.js';
import type { QueuedMessage } from '../core/types.js';
import { applyCancel, applyHold, applyRelease } from './admin-actions.js';

/**
 * Pure record changes of a review hold (src/pipeline/review/). They go through the admin
 * actions (applyHold, applyRelease, applyCancel), so a review hold, release or cancel leaves
 * the same history entries as an administrator's and is seen wherever those are.
 */

export type ReviewEnd = NonNullable<ReviewState['ended']>;

/** Every pending recipient held, with the reason in their history and on the record. */
export function applyReviewHold(msg: QueuedMessage, now: number, request: HoldRequest): QueuedMessage {
  const held = applyHold(msg, now, holdReasonText(request));
  return { ...held, review: { reason: request.reason, detail: request.detail, heldAt: now } };
}

/** The tenant's edit, kept with the message; only while it is held for review. */
export function applyReviewEdit(msg: QueuedMessage, edit: ReviewEdit): QueuedMessage {
  const review = heldReview(msg, 'edit');
  return { ...msg, review: { ...review, edit } };
}

/** Release or cancel of a review hold, by the tenant or by the expiry rule; `reason` goes into the history. */
export function applyReviewEnd(msg: QueuedMessage, now: number, ended: ReviewEnd, reason: string): QueuedMessage {
  const review = heldReview(msg, ended.outcome === 'released' ? 'release' : 'cancel');
  const next = ended.outcome === 'released' ? applyRelease(msg, now, reason) : applyCancel(msg, now, reason);
  return { ...next, review: { ...review, ended } };
}

/** Adds a resend's id to the original's links. */
export function withResend(original: QueuedMessage, resendId: string): QueuedMessage {
  return { ...original, resentAs: [...(original.resentAs ?? []), resendId] };
}

/** True while the message waits for the tenant's review. */
export function heldForReview(msg: QueuedMessage): boolean {
  return msg.review !== undefined && msg.review.ended === undefined && msg.heldAt !== undefined;
}

function heldReview(msg: QueuedMessage, verb: string): ReviewState {
  if (!heldForReview(msg) || msg.review === undefined) {
    throw new GatewayError('E_CONFLICT', `cannot ${verb} message ${msg.id}: it is not held for review`);
  }
  return msg.review;
}
