import { AWAITING_CONFIRMATION_REPLY } from '../../feedback/reply-confirmation.js';
import type { PlannedDelivery, Plan } from '../../core/plan.js';
import { isTransient, Replies, type SmtpReply, smtpReply } from '../../core/smtp-reply.js';
import type { QueuedMessage, RecipientState, Transport } from '../../core/types.js';
import type { RoutedRecipients } from '../routing.js';
import type { SentIndex } from '../../feedback/sent-index.js';
import type { SuppressionEntry, SuppressionReader } from '../../feedback/suppression-store.js';
import type { RecipientStep } from '../steps.js';
import { platformDeliveries } from '../shared.js';

/**
 * The MX's additions to delivery, registered with the pipeline (src/pipeline/index.ts lists
 * where each runs) rather than edits inside its stages:
 * - suppressed recipients are planned on a `suppressed` route, whose transport answers a
 *   550 that says why; the scheduler records it like any bounce (status, log, DSN to the
 *   sender). Checked per attempt, so removing an address from the list works at once for
 *   mail still queued;
 * - forwarded replies (kind `reply`) go out as they are, with their SRS0 envelope sender,
 *   through the platform transport (never rewritten, signed or tracked), once the tenant
 *   confirmed the target address; until then they wait, deferred, on the `suppressed` route;
 * - each mail's Message-ID goes into the sent index, so that a reply to it can be forwarded.
 */

export function suppressedReply(entry: SuppressionEntry): SmtpReply {
  const when = new Date(entry.lastBounceAt ?? entry.createdAt).toISOString().slice(0, 10);
  const why = entry.bounces > 0 ? `bounced on ${when} (${entry.reason})` : `added to the suppression list on ${when}`;
  const text = `suppressed: ${entry.address} ${why}; remove it from the suppression list to send again`;
  return smtpReply(550, '5.1.1', text);
}

/** Each mail's Message-ID into the sent index (every attempt: a later one refreshes its age); decides nothing. */
export function sentIndexStep(sent: Pick<SentIndex, 'record'>, clock: () => number = Date.now): RecipientStep {
  return async (message, _body, pending) => {
    sent.record(message.tenantId, message.messageId, message.id, clock());
    return { decided: [], rest: pending };
  };
}

/** Suppressed recipients go to the `suppressed` route with the reply that says why; the rest are rendered. */
export function suppressionStep(suppressions: SuppressionReader): RecipientStep {
  return async (message, body, pending) => {
    const decided: PlannedDelivery[] = [];
    const rest: RecipientState[] = [];
    for (const r of pending) {
      const entry = suppressions.get(message.tenantId, r.address);
      if (!entry) rest.push(r);
      else decided.push(refusal(message, body, r.address, suppressedReply(entry)));
    }
    return { decided, rest };
  };
}

function refusal(message: QueuedMessage, body: Buffer, address: string, reply: SmtpReply): PlannedDelivery {
  return {
    route: { kind: 'suppressed', reply },
    recipients: [address],
    envelope: { from: message.envelope.from, to: [address] },
    raw: body,
  };
}

export interface ForwardedReplyDeps {
  /** Platform routes (routing.ts), as the pipeline gets them. */
  readonly routes: (recipients: readonly string[]) => RoutedRecipients[];
  /** Whether the tenant confirmed this reply-forwarding address (reply-confirmation.ts); absent = every address is. */
  readonly replyTargetConfirmed?: (tenantId: string, address: string) => Promise<boolean>;
}

/** The planner for kind `reply`: as they are to confirmed targets, held (deferred) for the others. */
export function forwardedReplyPlanner(deps: ForwardedReplyDeps): Plan {
  return async (message, body, pending) => {
    const held: string[] = [];
    for (const r of pending) {
      if (deps.replyTargetConfirmed && !(await deps.replyTargetConfirmed(message.tenantId, r.address)))
        held.push(r.address);
    }
    const rest = pending.filter((r) => !held.includes(r.address));
    const waiting = held.map((address) => refusal(message, body, address, AWAITING_CONFIRMATION_REPLY));
    return [...(rest.length > 0 ? platformDeliveries(deps, message, body, rest) : []), ...waiting];
  };
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
