import { parseMail } from '../mime/parse-mail.js';
import type { QueuedMessage } from '../core/types.js';
import { parseVerp, type VerpParts } from './verp.js';
import { autoReplyReason } from './auto-reply.js';
import { classifyDsn, matchRules, type BounceVerdict } from './bounce-rules.js';
import { headerFieldsOf, parseDsn, type ParsedDsn } from './dsn-parse.js';
import { dsnForTokenRecipient } from './dsn-scope.js';
import { messageByMessageId, type MxContext } from './mx-context.js';

/** Header and report text goes into the message log as one line. */
function oneLine(text: string): string {
  return text
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/[\x00-\x1f\x7f]/g, '')
    .replace(/\s{2,}/g, ' ')
    .trim()
    .slice(0, 500);
}

const BOUNCE_FROM = /mailer-daemon|postmaster|mail delivery/i;
const BOUNCE_SUBJECT = new RegExp(
  [
    'undeliver|delivery (?:status notification|has failed|failure)|returned mail',
    '|non-?delivery|failure notice|mail delivery failed',
  ].join(''),
  'i',
);

/** Free-text bounces carry Auto-Submitted too (Gmail's do): these headers say "bounce", so the rule table reads it. */
function looksLikeBounce(headers: Map<string, string>): boolean {
  return BOUNCE_FROM.test(headers.get('from') ?? '') || BOUNCE_SUBJECT.test(headers.get('subject') ?? '');
}

/** Drops a forged bounce: counted, logged with the envelope only (never the body). */
export function dropForged(ctx: MxContext, why: string, fields: Record<string, unknown>): void {
  ctx.metrics.mx?.('forged');
  ctx.logger.warn({ ...fields, why }, 'forged bounce dropped');
}

/**
 * The message and recipient a VERP address of ours names, or why it names none (a forgery): a bad MAC, an unknown
 * message, or a tenant's bounce host used for another tenant's message.
 */
export async function verpMessage(
  ctx: MxContext,
  address: string,
): Promise<{ readonly message: QueuedMessage; readonly verp: VerpParts } | string> {
  const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
  // A tenant's bounce host takes bounces of that tenant's mail only.
  const hostOwner =
    domain === ctx.domains.bounceDomain.toLowerCase() ? undefined : ctx.domains.bounceHostOwner?.(domain);
  const settings = {
    localPart: ctx.domains.bounceLocalPart,
    domain: hostOwner === undefined ? ctx.domains.bounceDomain : domain,
    key: ctx.verpKey,
  };
  const verp = parseVerp(settings, address);
  if (!verp) return 'VERP token does not verify';
  const message = await ctx.queue.get(verp.queueId);
  if (!message) return `no such message (${verp.queueId})`;
  if (hostOwner !== undefined && message.tenantId !== hostOwner)
    return "bounce host of another tenant than the message's";
  return { message, verp };
}

/**
 * Mail to a VERP address: the token names the message and recipient (a bad MAC or an
 * unknown message is a forgery). A DSN updates only the recipient its token names, whatever
 * other recipients it lists (whoever holds one token must not bounce the others); an auto-reply
 * that went to the envelope sender is recorded; anything else is read as a free-text
 * bounce by the rule table.
 */
export async function handleVerpBounce(
  ctx: MxContext,
  address: string,
  raw: Buffer,
  log: Record<string, unknown>,
): Promise<void> {
  const found = await verpMessage(ctx, address);
  if (typeof found === 'string') return dropForged(ctx, found, { ...log, rcpt: address });
  const { message, verp } = found;
  const fallback = message.recipients[verp.recipientIndex]?.address;
  const dsn = parseDsn(raw);
  if (dsn && dsn.recipients.length > 0) {
    const scoped = dsnForTokenRecipient(dsn, message, verp.recipientIndex);
    if (scoped.ignored > 0)
      ctx.logger.warn(
        { ...log, queueId: message.id, ignored: scoped.ignored },
        'DSN names recipients its VERP token does not: those entries ignored',
      );
    if (scoped.dsn.recipients.length === 0)
      return dropForged(ctx, 'DSN does not name the recipient of its VERP token', { ...log, queueId: message.id });
    return applyDsn(ctx, message, scoped.dsn, fallback, log);
  }
  const headers = headerFieldsOf(raw);
  const auto = looksLikeBounce(headers) ? undefined : autoReplyReason(headers);
  if (auto !== undefined && fallback !== undefined) {
    ctx.metrics.mx?.('auto-reply');
    await ctx.queue.addNote(message.id, fallback, 'auto-reply', `auto-reply received (${auto})`, ctx.clock());
    ctx.logger.info({ ...log, queueId: message.id, reason: auto }, 'auto-reply recorded');
    return;
  }
  const parsed = await parseMail(raw);
  const text = `${parsed.subject ?? ''}\n${parsed.text ?? ''}`;
  const verdict = matchRules(text);
  if (!verdict || fallback === undefined) {
    ctx.metrics.mx?.('bounce', 'unknown');
    ctx.logger.info({ ...log, queueId: message.id }, 'bounce not understood, message log unchanged');
    return;
  }
  await applyVerdict(ctx, message, fallback, verdict, oneLine(firstMatchingLine(text, verdict) ?? verdict.label), log);
}

/**
 * A DSN that came to a forwarding address instead of the VERP one: matched by the returned Message-ID, within that
 * tenant only.
 */
export async function handleForwardedDsn(
  ctx: MxContext,
  tenantId: string,
  dsn: ParsedDsn,
  log: Record<string, unknown>,
): Promise<void> {
  const message = await messageByMessageId(ctx, tenantId, dsn.originalMessageId);
  if (!message) return dropForged(ctx, 'DSN names no message of this tenant', { ...log, tenantId });
  return applyDsn(ctx, message, dsn, undefined, log);
}

async function applyDsn(
  ctx: MxContext,
  message: QueuedMessage,
  dsn: ParsedDsn,
  fallback: string | undefined,
  log: Record<string, unknown>,
): Promise<void> {
  for (const r of dsn.recipients) {
    const verdict = classifyDsn(r.action, r.status, r.diagnostic);
    if (!verdict) continue;
    const known = message.recipients.find((m) => m.address.toLowerCase() === r.recipient.toLowerCase())?.address;
    const address = known ?? fallback;
    if (address === undefined) continue;
    const reply = oneLine(r.diagnostic ?? `${r.status ?? ''} ${r.action}`);
    await applyVerdict(ctx, message, address, verdict, reply, log);
  }
}

async function applyVerdict(
  ctx: MxContext,
  message: QueuedMessage,
  address: string,
  verdict: BounceVerdict,
  reply: string,
  log: Record<string, unknown>,
): Promise<void> {
  const now = ctx.clock();
  ctx.metrics.mx?.('bounce', verdict.category);
  ctx.logger.info(
    { ...log, queueId: message.id, category: verdict.category, rule: verdict.label, reply },
    'bounce received',
  );
  if (verdict.category === 'delayed') {
    await ctx.queue.addNote(message.id, address, 'delayed', `delayed: ${reply}`, now);
    return;
  }
  // The suppression first: whoever sees the recipient bounced (the API, the next invoice) also sees the address
  // suppressed.
  if (verdict.category === 'hard') {
    const entry = await ctx.suppressions.recordHardBounce(
      { tenantId: message.tenantId, address, reason: reply, userUnknown: verdict.userUnknown, now },
      ctx.thresholds,
    );
    if (entry)
      ctx.logger.info(
        { tenantId: message.tenantId, queueId: message.id, bounces: entry.bounces },
        'address suppressed',
      );
  }
  const after = await ctx.queue.lateBounce(message.id, address, reply, now);
  if (after) ctx.onLateBounce?.(after, address, reply);
}

function firstMatchingLine(text: string, verdict: BounceVerdict): string | undefined {
  return text.split(/\r?\n/).find((line) => matchRules(line)?.label === verdict.label);
}
