import type { QueuedMessage } from '../core/types.js';
import { addressIn } from '../mime/sender-address.js';
import { normaliseLocalPart } from '../tenants/local-part.js';
import { parseArf, type ArfReport } from './arf-parse.js';
import { verpMessage } from './bounce-handler.js';
import { messageByMessageId, type MxContext } from './mx-context.js';
import type { InboxEntry } from './mx-stores.js';

interface Complained {
  readonly message: QueuedMessage;
  /** Only an address the message went to: a report cannot suppress anyone else. */
  readonly recipient?: string;
}

/** Reports that are not complaints: nothing to count or suppress. */
const NOT_COMPLAINTS = new Set(['not-spam']);

/**
 * A feedback-loop report (ARF, RFC 5965) to any address the MX accepted: the message it is about is found by our VERP
 * envelope sender (Original-Mail-From, or the Return-Path of the returned original), else by the original's Message-ID
 * within the tenant its From names. The complaint is counted for that tenant and the recipient suppressed. True when
 * the message was a report (handled, whatever came of it); false for any other mail.
 */
export async function handleArf(
  ctx: MxContext,
  entry: InboxEntry,
  raw: Buffer,
  log: Record<string, unknown>,
): Promise<boolean> {
  if (ctx.complaints === undefined) return false;
  const report = parseArf(raw);
  if (report === undefined) return false;
  const at = { ...log, feedbackType: report.feedbackType, rcpt: entry.envelope.to[0] };
  if (NOT_COMPLAINTS.has(report.feedbackType)) {
    ctx.logger.info(at, 'feedback report that is no complaint: logged only');
    return true;
  }
  const found = await complainedMessage(ctx, report);
  if (found === undefined) {
    ctx.logger.info(at, 'feedback report about no message of ours: dropped');
    return true;
  }
  const { message, recipient } = found;
  const now = ctx.clock();
  await ctx.complaints.record(message.tenantId, {
    at: now,
    queueId: message.id,
    feedbackType: report.feedbackType,
    ...(recipient === undefined ? {} : { recipient }),
  });
  if (recipient !== undefined)
    await ctx.suppressions.add(message.tenantId, recipient, 'marked as spam (feedback loop report)', now);
  ctx.metrics.mx?.('complaint');
  ctx.logger.warn({ ...at, queueId: message.id, tenantId: message.tenantId }, 'complaint recorded');
  return true;
}

async function complainedMessage(ctx: MxContext, report: ArfReport): Promise<Complained | undefined> {
  const senders = [report.originalMailFrom, report.original.get('return-path')?.replace(/^<|>$/g, '')];
  for (const sender of senders) {
    if (sender === undefined || sender === '') continue;
    const found = await verpMessage(ctx, sender);
    if (typeof found === 'string') continue;
    const recipient = found.message.recipients[found.verp.recipientIndex]?.address;
    return { message: found.message, ...(recipient === undefined ? {} : { recipient }) };
  }
  const message = await byOriginalHeaders(ctx, report);
  if (message === undefined) return undefined;
  const named = [...report.originalRcptTo, addressIn(report.original.get('to') ?? '') ?? ''];
  const recipient = message.recipients.find((r) => named.some((n) => n.toLowerCase() === r.address.toLowerCase()));
  return { message, ...(recipient === undefined ? {} : { recipient: recipient.address }) };
}

/** The original's From names the tenant (its forwarding address); its Message-ID the message, within that tenant. */
async function byOriginalHeaders(ctx: MxContext, report: ArfReport): Promise<QueuedMessage | undefined> {
  const from = addressIn(report.original.get('from') ?? '');
  const messageId = report.original.get('message-id');
  if (from === undefined || messageId === undefined) return undefined;
  const at = from.lastIndexOf('@');
  if (from.slice(at + 1).toLowerCase() !== ctx.domains.sendingDomain.toLowerCase()) return undefined;
  const tenantId = ctx.settings.localPartOwner(normaliseLocalPart(from.slice(0, at)));
  return tenantId === undefined ? undefined : messageByMessageId(ctx, tenantId, messageId);
}
