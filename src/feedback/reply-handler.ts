import { newQueueId } from '../core/ids.js';
import type { QueuedMessage } from '../core/types.js';
import { headerBlockEnd, parseHeaderFields } from '../mime/index.js';
import { addressIn } from '../mime/sender-address.js';
import type { InboxEntry } from './mx-stores.js';
import { autoReplyReason } from './auto-reply.js';
import { dropForged, handleForwardedDsn } from './bounce-handler.js';
import { headerFieldsOf, parseDsn } from './dsn-parse.js';
import { messageByMessageId, type MxContext } from './mx-context.js';
import { referencedIds } from './sent-index.js';
import { srsForward } from './srs.js';
import { tenantByLocalPart } from './tenant-lookup.js';

/** Marks a reply we forwarded, with the tenant id: the same tenant's copy coming back is a loop. */
export const FORWARDED_FOR_HEADER = 'X-Postbode-Forwarded-For';

/**
 * Mail to a tenant's forwarding address. A DSN sent there (some servers ignore the envelope
 * sender) is matched within that tenant; a loop is dropped; an auto-reply is recorded
 * against the message it answers and forwarded only when the tenant wants them; a reply that
 * answers no message this tenant sent (In-Reply-To / References, through the sent index) is
 * counted and dropped, so spam to the forwarding address is never relayed; anything else is
 * queued, headers and body as they came, to the tenant's "send replies to" address with an
 * SRS0 envelope sender (held there, deferred, until the tenant confirmed that address).
 */
export async function handleReply(
  ctx: MxContext,
  entry: InboxEntry,
  localPart: string,
  raw: Buffer,
  log: Record<string, unknown>,
): Promise<void> {
  const found = await tenantByLocalPart(ctx.tenants, ctx.settings, localPart);
  if (!found) {
    ctx.logger.info({ ...log, localPart }, 'reply for a forwarding address that is gone, dropped');
    return;
  }
  const { tenant, settings } = found;
  const fields = { ...log, tenantId: tenant.id };
  const dsn = parseDsn(raw);
  if (dsn && dsn.recipients.length > 0) return handleForwardedDsn(ctx, tenant.id, dsn, fields);
  if (dsn) return dropForged(ctx, 'report without recipients', fields);
  const headers = headerFieldsOf(raw);
  if (forwardedBefore(raw, tenant.id)) {
    ctx.logger.warn(fields, 'mail loop: this reply was forwarded for this tenant before, dropped');
    return;
  }
  const answered = await messageByMessageId(ctx, tenant.id, ...referencedIds(headers));
  const auto = autoReplyReason(headers);
  // Before the forward: a crash after it ends the replay early (forwarded already); the stable id
  // (the inbound mail's) lets a receiver drop the second copy a replay before it may write.
  if (answered && auto === undefined) await repliedEvent(ctx, answered, entry, headers);
  if (auto !== undefined) {
    await recordAutoReply(ctx, answered, auto, fields);
    if (settings.forwardAutoReplies !== true) return;
  } else if (answered) {
    await recordReply(ctx, answered, entry.envelope.from);
  }
  if (settings.replyTo === undefined) {
    ctx.logger.info(fields, 'reply dropped: no "send replies to" address');
    return;
  }
  if (!answered) {
    ctx.metrics.mx?.('reply-held', 'unmatched');
    ctx.logger.info(
      { ...fields, from: entry.envelope.from, messageId: headers.get('message-id') },
      'reply not forwarded: it answers no message this tenant sent',
    );
    return;
  }
  // Replayed after a crash between the enqueue and the inbox cleanup: forwarded already, under the MX id.
  if ((await ctx.queue.get(entry.id))?.tenantId === tenant.id) return;
  const forwarded = await forward(ctx, entry, tenant.id, settings.replyTo, raw, headers);
  if (ctx.replyTargetConfirmed && !(await ctx.replyTargetConfirmed(tenant.id, settings.replyTo))) {
    // Kept in the queue, deferred until the address is confirmed (mx-plan.ts), visible in the message log.
    ctx.metrics.mx?.('reply-held', 'unconfirmed');
    ctx.logger.info(
      { ...fields, queueId: forwarded.id },
      'reply held: the "send replies to" address is not confirmed yet',
    );
    ctx.onQueued();
    return;
  }
  ctx.metrics.mx?.('reply-forwarded');
  ctx.logger.info(
    { ...fields, queueId: forwarded.id, answers: answered.id, autoReply: auto !== undefined },
    'reply forwarded',
  );
  ctx.onQueued();
}

function forwardedBefore(raw: Buffer, tenantId: string): boolean {
  const name = FORWARDED_FOR_HEADER.toLowerCase();
  const fields = parseHeaderFields(raw.toString('latin1', 0, headerBlockEnd(raw)));
  return fields.some((f) => f.name === name && f.value.toLowerCase() === tenantId.toLowerCase());
}

/** Against the message it answers (In-Reply-To, else References), as a note on its client recipients. */
async function recordAutoReply(
  ctx: MxContext,
  message: QueuedMessage | undefined,
  reason: string,
  log: Record<string, unknown>,
): Promise<void> {
  ctx.metrics.mx?.('auto-reply');
  ctx.logger.info({ ...log, reason, queueId: message?.id }, 'auto-reply recorded');
  if (!message) return;
  const now = ctx.clock();
  for (const r of message.recipients.filter((r) => r.role === undefined || r.role === 'client')) {
    await ctx.queue.addNote(message.id, r.address, 'auto-reply', `auto-reply received (${reason})`, now);
  }
}

/**
 * A person answered: a note ("replied" in the log) on the client recipient who wrote, or on every client recipient
 * when the reply came from another address (a colleague, an alias).
 */
async function recordReply(ctx: MxContext, message: QueuedMessage, from: string): Promise<void> {
  const now = ctx.clock();
  const clients = message.recipients.filter((r) => r.role === undefined || r.role === 'client');
  const writer = clients.filter((r) => r.address.toLowerCase() === from.toLowerCase());
  for (const r of writer.length > 0 ? writer : clients) {
    await ctx.queue.addNote(
      message.id,
      r.address,
      'replied',
      `reply received${from === '' ? '' : ` from ${from}`}`,
      now,
    );
  }
}

async function forward(
  ctx: MxContext,
  entry: InboxEntry,
  tenantId: string,
  replyTo: string,
  raw: Buffer,
  headers: Map<string, string>,
): Promise<QueuedMessage> {
  const now = ctx.clock();
  const body = Buffer.concat([Buffer.from(`${FORWARDED_FOR_HEADER}: ${tenantId}\r\n`, 'latin1'), raw]);
  const from =
    entry.envelope.from === ''
      ? ''
      : srsForward(ctx.domains.srsKey, entry.envelope.from, ctx.domains.bounceDomain, now);
  const subject = headers.get('subject');
  return ctx.queue.enqueue(
    {
      // The MX id, so a replay finds it; a second forwarding recipient of the same message gets its own.
      id: ctx.queue.get(entry.id) === undefined ? entry.id : newQueueId(now),
      tenantId,
      kind: 'reply',
      envelope: { from, to: [replyTo] },
      receivedAt: now,
      client: entry.client,
      messageId: headers.get('message-id') ?? `<${entry.id}@mx>`,
      ...(subject !== undefined ? { subject: subject.slice(0, 998) } : {}),
    },
    body,
  );
}

/** `message.replied` for the recipient who answered: the reply's From, else its envelope sender. */
async function repliedEvent(
  ctx: MxContext,
  answered: QueuedMessage,
  entry: InboxEntry,
  headers: Map<string, string>,
): Promise<void> {
  if (!ctx.events) return;
  const from = addressIn(headers.get('from') ?? '') ?? entry.envelope.from;
  const recipient = answered.recipients.find((r) => r.address.toLowerCase() === from.toLowerCase())?.address ?? from;
  await ctx.events.write('message.replied', { message: answered, recipient, at: ctx.clock(), id: entry.id });
}
