import { AWAITING_CONFIRMATION_REPLY } from '../../feedback/reply-confirmation.js';
import type { PlannedDelivery, Plan } from '../../core/plan.js';
import { isTransient, Replies, type SmtpReply, smtpReply } from '../../core/smtp-reply.js';
import type { QueuedMessage, RecipientState, Route, Transport } from '../../core/types.js';
import type { RoutedRecipients } from '../routing.js';
import type { SentIndex } from '../../feedback/sent-index.js';
import type { SuppressionEntry, SuppressionReader } from '../../feedback/suppression-store.js';

/**
 * The MX's two additions to delivery, as a wrapper around the pipeline's Plan rather than
 * an edit inside it (src/pipeline/index.ts stays the one place for content rewrites):
 * - suppressed recipients are planned on a `suppressed` route, whose transport answers a
 *   550 that says why; the scheduler records it like any bounce (status, log, DSN to the
 *   sender). Checked per attempt, so removing an address from the list works at once for
 *   mail still queued;
 * - forwarded replies (kind `reply`) go out as they are, with their SRS0 envelope sender,
 *   through the platform transport (never rewritten, signed or tracked), once the tenant
 *   confirmed the target address; until then they wait, deferred, on the `suppressed` route;
 * - each mail's Message-ID goes into the sent index, so that a reply to it can be forwarded.
 */
export interface MxPlanDeps {
  readonly suppressions: SuppressionReader;
  /** Platform routes (routing.ts), as the pipeline gets them. */
  readonly routes: (recipients: readonly string[]) => RoutedRecipients[];
  readonly sent?: Pick<SentIndex, 'record'>;
  readonly clock?: () => number;
  /** Whether the tenant confirmed this reply-forwarding address (reply-confirmation.ts); absent = every address is. */
  readonly replyTargetConfirmed?: (tenantId: string, address: string) => Promise<boolean>;
}

export function suppressedReply(entry: SuppressionEntry): SmtpReply {
  const when = new Date(entry.lastBounceAt ?? entry.createdAt).toISOString().slice(0, 10);
  const why = entry.bounces > 0 ? `bounced on ${when} (${entry.reason})` : `added to the suppression list on ${when}`;
  const text = `suppressed: ${entry.address} ${why}; remove it from the suppression list to send again`;
  return smtpReply(550, '5.1.1', text);
}

export function withMx(plan: Plan, deps: MxPlanDeps): Plan {
  return async (message, body, pending) => {
    if (message.kind === 'reply') return forwardedReply(deps, message, body, pending);
    if (message.kind !== 'mail') return plan(message, body, pending);
    deps.sent?.record(message.tenantId, message.messageId, message.id, deps.clock?.() ?? Date.now());
    const blocked = new Map<string, SuppressionEntry>();
    for (const r of pending) {
      const entry = deps.suppressions.get(message.tenantId, r.address);
      if (entry) blocked.set(r.address, entry);
    }
    if (blocked.size === 0) return plan(message, body, pending);
    const rest = pending.filter((r) => !blocked.has(r.address));
    const planned = rest.length > 0 ? await plan(message, body, rest) : [];
    const refused: PlannedDelivery[] = [...blocked].map(([address, entry]) => ({
      route: { kind: 'suppressed', reply: suppressedReply(entry) },
      recipients: [address],
      envelope: { from: message.envelope.from, to: [address] },
      raw: body,
    }));
    return [...planned, ...refused];
  };
}

async function forwardedReply(
  deps: MxPlanDeps,
  message: QueuedMessage,
  body: Buffer,
  pending: readonly RecipientState[],
): Promise<PlannedDelivery[]> {
  const held: string[] = [];
  for (const r of pending) {
    if (deps.replyTargetConfirmed && !(await deps.replyTargetConfirmed(message.tenantId, r.address)))
      held.push(r.address);
  }
  const rest = pending.filter((r) => !held.includes(r.address));
  const waiting: PlannedDelivery[] = held.map((address) => ({
    route: { kind: 'suppressed', reply: AWAITING_CONFIRMATION_REPLY },
    recipients: [address],
    envelope: { from: message.envelope.from, to: [address] },
    raw: body,
  }));
  return [...asIs(deps, message, body, rest), ...waiting];
}

function asIs(
  deps: MxPlanDeps,
  message: QueuedMessage,
  body: Buffer,
  pending: readonly RecipientState[],
): PlannedDelivery[] {
  if (pending.length === 0) return [];
  return deps.routes(pending.map((r) => r.address)).map((routed) => ({
    route: routed.route,
    recipients: routed.recipients,
    envelope: { from: message.envelope.from, to: routed.recipients },
    raw: body,
  }));
}

/** Answers every recipient of a `suppressed` route with its reply (a 4xx one defers: a held reply); sends nothing. */
export const suppressedTransport: Transport = {
  name: 'suppressed',
  async send(envelope, _raw, route) {
    const reply = route.kind === 'suppressed' ? route.reply : Replies.suppressed();
    const held = isTransient(reply);
    return {
      recipients: envelope.to.map((address) => ({
        address,
        outcome: held ? 'deferred' : 'bounced',
        reply,
        nextHop: held ? 'held until confirmed' : 'suppression list',
      })),
    };
  },
  async close() {
    /* nothing held */
  },
};

/** The transport table with the `suppressed` route added. */
export function withSuppressedTransport<T extends (route: Route) => Transport>(table: T): (route: Route) => Transport {
  return (route) => (route.kind === 'suppressed' ? suppressedTransport : table(route));
}
