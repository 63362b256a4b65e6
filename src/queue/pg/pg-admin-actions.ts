import { GatewayError } from '../../core/gateway-error.js';
import type { HoldRequest, ReviewEdit } from '../../core/hold.js';
import type { RenderedMessage } from '../../core/rendered.js';
import type { LogNote, NewMessage, QueuedMessage } from '../../core/types.js';
import { applyCancel, applyHold, applyRelease, applyRetryNow } from '../admin-actions.js';
import { eventsOfInsert, wantsFrom } from '../event-outbox.js';
import { applyLateBounce, applyNote } from '../late-outcomes.js';
import { newRecord } from '../records.js';
import { applyReviewEdit, applyReviewEnd, applyReviewHold, withResend, type ReviewEnd } from '../review-records.js';
import { changeMessage, QUEUE_CHANNEL, type PgChangeContext } from './pg-change.js';
import { putPgEvents } from './pg-outbox.js';
import { insertRecord } from './pg-records.js';
import { writeRenderedIn } from './pg-rendered.js';

/**
 * The admin's queue actions, review holds, resends and late outcomes on PostgreSQL: each one
 * call of the queue's state-change primitive (pg-change.ts: the row locked, the pure function of
 * admin-actions.ts, review-records.ts or late-outcomes.ts applied, the row written, one
 * transaction), so every state rule has one definition whichever engine keeps the queue.
 */

async function changeKnown(
  ctx: PgChangeContext,
  id: string,
  next: (msg: QueuedMessage) => QueuedMessage,
  also?: Parameters<typeof changeMessage>[3],
): Promise<QueuedMessage> {
  const change = await changeMessage(ctx, id, next, also);
  if (change === undefined) throw new GatewayError('E_MESSAGE_UNKNOWN', `no message ${id} in the queue`);
  return change.after;
}

export const pgRetryNow = (ctx: PgChangeContext, id: string, now: number) =>
  changeKnown(ctx, id, (msg) => applyRetryNow(msg, now));

export const pgHold = (ctx: PgChangeContext, id: string, now: number, reason?: string) =>
  changeKnown(ctx, id, (msg) => applyHold(msg, now, reason));

export const pgRelease = (ctx: PgChangeContext, id: string, now: number, reason?: string) =>
  changeKnown(ctx, id, (msg) => applyRelease(msg, now, reason));

export const pgCancel = (ctx: PgChangeContext, id: string, now: number, reason: string) =>
  changeKnown(ctx, id, (msg) => applyCancel(msg, now, reason));

/** A review change and the rendering the tenant reviewed, in one transaction: a release sends exactly those bytes. */
const changeReviewed = (
  ctx: PgChangeContext,
  id: string,
  next: (msg: QueuedMessage) => QueuedMessage,
  rendered: RenderedMessage,
): Promise<QueuedMessage> =>
  changeKnown(ctx, id, next, (client) => writeRenderedIn(client, id, { ...rendered, reviewed: true }));

export const pgHoldForReview = (
  ctx: PgChangeContext,
  id: string,
  now: number,
  request: HoldRequest,
  rendered: RenderedMessage,
) => changeReviewed(ctx, id, (msg) => applyReviewHold(msg, now, request), rendered);

/** The tenant's edit and its new rendering. */
export const pgEditReview = (ctx: PgChangeContext, id: string, edit: ReviewEdit, rendered: RenderedMessage) =>
  changeReviewed(ctx, id, (msg) => applyReviewEdit(msg, edit), rendered);

export const pgEndReview = (ctx: PgChangeContext, id: string, now: number, ended: ReviewEnd, reason: string) =>
  changeKnown(ctx, id, (msg) => applyReviewEnd(msg, now, ended, reason));

/**
 * The resend inserted (with its accepted event) and linked from the original in the original's
 * transaction: both or neither, committed (synchronous_commit on) before this resolves. E_MESSAGE_UNKNOWN, with
 * nothing written, when the original is gone. The resend goes in unleased, with a `due`
 * notice at commit: the first node with room claims it, as any due message nobody holds.
 */
export async function pgResend(
  ctx: PgChangeContext,
  originalId: string,
  message: NewMessage,
  body: Buffer,
): Promise<QueuedMessage> {
  const record = newRecord(message, body.length);
  await changeKnown(
    ctx,
    originalId,
    (original) => withResend(original, record.id),
    async (client) => {
      await insertRecord(client, record, body);
      await putPgEvents(client, eventsOfInsert(record, wantsFrom(ctx.interest, record.tenantId)));
      await client.query("SELECT pg_notify($1, 'due')", [QUEUE_CHANNEL]);
    },
  );
  return record;
}

/** undefined (nothing written) for an unknown message or recipient. */
export const pgLateBounce = (ctx: PgChangeContext, id: string, address: string, reply: string, now: number) =>
  changeLate(ctx, id, (msg) => applyLateBounce(msg, address, reply, now));

export const pgAddNote = (
  ctx: PgChangeContext,
  id: string,
  address: string,
  note: LogNote,
  reply: string,
  now: number,
) => changeLate(ctx, id, (msg) => applyNote(msg, address, note, reply, now));

/** A late outcome's change; its pure function answers undefined for an unknown recipient (nothing changes then). */
async function changeLate(
  ctx: PgChangeContext,
  id: string,
  next: (msg: QueuedMessage) => QueuedMessage | undefined,
): Promise<QueuedMessage | undefined> {
  let known = true;
  const change = await changeMessage(ctx, id, (msg) => {
    const after = next(msg);
    known = after !== undefined;
    return after ?? msg;
  });
  return known ? change?.after : undefined;
}
