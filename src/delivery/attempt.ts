import type { Clock } from '../core/clock.js';
import { isGatewayError } from '../core/gateway-error.js';
import type { Logger } from '../core/logger.js';
import { isTransient, Replies, replyLine, type SmtpReply, withReplyNote } from '../core/smtp-reply.js';
import {
  DUE_STATUSES,
  type MessageQueue,
  type QueuedMessage,
  type RecipientResult,
  type RecipientState,
  type Route,
  type Transport,
} from '../core/types.js';
import type { Plan } from '../core/plan.js';
import { destinationKey, type DestinationSlots } from './destination-slots.js';
import { storedRoute, type RenderedDelivery, type RenderedStore } from '../core/rendered.js';
import type { HoldRequest } from '../core/hold.js';
import { holdInstead, type ReviewHolds } from './review-hold.js';

export interface AttemptDeps {
  readonly queue: MessageQueue;
  readonly plan: Plan;
  readonly transportFor: (route: Route) => Transport;
  readonly slots: DestinationSlots;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Keeps freshly rendered deliveries whose recipients are still pending after the attempt; none kept when absent. */
  readonly rendered?: Pick<RenderedStore, 'keepRendered' | 'keepSent'>;
  /** Holds a message whose rendering asked for the tenant's review; without it such a message is sent. */
  readonly review?: ReviewHolds;
}

interface Planned {
  readonly route: Route;
  readonly recipients: readonly string[];
  readonly from: string;
  readonly raw: Buffer;
  readonly note?: string;
  readonly renderedWith?: string;
  readonly hold?: HoldRequest;
}

function deferAll(addresses: readonly string[], reply: SmtpReply): RecipientResult[] {
  return addresses.map((address) => ({ address, outcome: 'deferred', reply }));
}

function errorText(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/[\r\n]+/g, ' ');
}

/**
 * Exactly one result per planned recipient, whatever the transport returned: a recipient
 * left without a result would stay due and be picked again at once.
 */
export function completeResults(recipients: readonly string[], results: readonly RecipientResult[]): RecipientResult[] {
  const byAddress = new Map(results.map((r) => [r.address, r]));
  return recipients.map(
    (address) => byAddress.get(address) ?? { address, outcome: 'deferred', reply: Replies.noResult() },
  );
}

async function send(deps: AttemptDeps, message: QueuedMessage, group: Planned): Promise<RecipientResult[]> {
  try {
    const transport = deps.transportFor(group.route);
    const result = await transport.send({ from: group.from, to: group.recipients }, group.raw, group.route);
    return withNote(completeResults(group.recipients, result.recipients), group.note);
  } catch (err) {
    // transports promise not to throw; a throw here is a bug or a missing transport
    deps.logger.error({ queueId: message.id, err }, 'transport failed unexpectedly, deferring');
    return deferAll(group.recipients, Replies.localTransportError(errorText(err)));
  }
}

function withNote(results: RecipientResult[], note: string | undefined): RecipientResult[] {
  return note === undefined ? results : results.map((r) => ({ ...r, reply: withReplyNote(r.reply, note) }));
}

function summary(results: readonly RecipientResult[]): { outcome: string; reply: string | undefined } {
  const outcomes = new Set(results.map((r) => r.outcome));
  const outcome = outcomes.size === 1 ? ([...outcomes][0] ?? 'none') : 'mixed';
  const notable = results.find((r) => r.outcome !== 'delivered') ?? results[0];
  return { outcome, reply: notable ? replyLine(notable.reply) : undefined };
}

/** One delivery: waits for a slot of its destination, sends, logs one line. */
async function deliverGroup(deps: AttemptDeps, message: QueuedMessage, group: Planned): Promise<RecipientResult[]> {
  const destination = destinationKey(group.route);
  const release = await deps.slots.acquire(destination, message.tenantId);
  const started = deps.clock();
  try {
    const results = await send(deps, message, group);
    const { outcome, reply } = summary(results);
    deps.logger.info(
      {
        queueId: message.id,
        recipients: group.recipients.length,
        destination,
        outcome,
        reply,
        ms: deps.clock() - started,
      },
      'delivery attempt',
    );
    return results;
  } finally {
    release();
  }
}

/** A stage that fails on purpose says why with a 4xx `reply` (DKIM: `451 4.7.5 ...`); the message log shows it. */
function temporaryReplyOf(err: unknown): SmtpReply | undefined {
  const reply = isGatewayError(err) ? err.reply : undefined;
  return reply !== undefined && isTransient(reply) ? reply : undefined;
}

/** The pending recipients grouped by the plan; each address at most once. A throwing plan leaves all unrouted. */
async function planGroups(
  deps: AttemptDeps,
  message: QueuedMessage,
  body: Buffer,
  pending: readonly RecipientState[],
): Promise<{ groups: Planned[]; unrouted: string[]; failed?: SmtpReply }> {
  const wanted = new Set(pending.map((r) => r.address));
  const covered = new Set<string>();
  const groups: Planned[] = [];
  try {
    for (const group of await deps.plan(message, body, pending)) {
      const recipients = group.recipients.filter((a) => wanted.has(a) && !covered.has(a));
      recipients.forEach((a) => covered.add(a));
      if (recipients.length > 0) {
        groups.push({
          route: group.route,
          recipients,
          from: group.envelope.from,
          raw: group.raw,
          ...(group.note === undefined ? {} : { note: group.note }),
          ...(group.renderedWith === undefined ? {} : { renderedWith: group.renderedWith }),
          ...(group.hold === undefined ? {} : { hold: group.hold }),
        });
      }
    }
  } catch (err) {
    const reply = temporaryReplyOf(err);
    // A stage that defers on purpose (Gmail link broken, DKIM key missing) is expected: a warning with its reply.
    if (reply) deps.logger.warn({ queueId: message.id, reply: replyLine(reply) }, 'delivery deferred while planning');
    else deps.logger.error({ queueId: message.id, err }, 'planning the delivery failed, deferring');
    return { groups: [], unrouted: [...wanted], failed: reply ?? Replies.planFailed() };
  }
  return { groups, unrouted: [...wanted].filter((a) => !covered.has(a)) };
}

/**
 * Attempts every recipient of `message` that is due at `now`, all destinations in
 * parallel. Returns one result per attempted recipient (empty when none was due).
 * `onSent` gets each delivery's results as soon as its send returns (to record them then).
 */
export async function attemptMessage(
  deps: AttemptDeps,
  message: QueuedMessage,
  now: number,
  onSent?: (results: readonly RecipientResult[]) => void,
): Promise<RecipientResult[]> {
  const pending = message.recipients.filter((r) => DUE_STATUSES.has(r.status) && r.nextAttemptAt <= now);
  if (pending.length === 0) return [];
  // Read once: every group's bytes come from this body.
  const body = await deps.queue.body(message.id);
  if (!body) {
    // storage inconsistency: keep the recipients, tell the admin, never crash
    deps.logger.error({ queueId: message.id }, 'message body missing from the queue, deferring');
    return deferAll(
      pending.map((r) => r.address),
      Replies.bodyMissing(),
    );
  }
  const { groups, unrouted, failed } = await planGroups(deps, message, body, pending);
  const hold = groups.find((g) => g.hold !== undefined)?.hold;
  // Nothing leaves: the rendering is kept for the review (an empty result: nothing to record).
  if (hold && deps.review) return holdInstead({ ...deps, review: deps.review }, message, groups, hold);
  if (unrouted.length > 0 && !failed)
    deps.logger.error(
      { queueId: message.id, recipients: unrouted.length },
      'no route planned for some recipients, deferring',
    );
  const sent = await Promise.all(
    groups.map(async (group) => {
      const results = await deliverGroup(deps, message, group);
      onSent?.(results);
      return results;
    }),
  );
  keepAsSent(deps, message, groups, sent);
  const results = [...sent.flat(), ...deferAll(unrouted, failed ?? Replies.noRoute())];
  await keepRendered(deps, message, groups, results);
  return results;
}

/** The bytes of the first delivery a client recipient's next hop accepted, for the log's "as sent" view. */
function keepAsSent(
  deps: AttemptDeps,
  message: QueuedMessage,
  groups: readonly Planned[],
  sent: readonly (readonly RecipientResult[])[],
): void {
  if (!deps.rendered?.keepSent) return;
  const clients = new Set(
    message.recipients.filter((r) => r.role === undefined || r.role === 'client').map((r) => r.address),
  );
  // Kept at an earlier attempt already: this message had a client recipient delivered before.
  if (message.recipients.some((r) => clients.has(r.address) && r.status === 'delivered')) return;
  const index = sent.findIndex((results) => results.some((r) => r.outcome === 'delivered' && clients.has(r.address)));
  const group = groups[index];
  if (group && group.route.kind !== 'suppressed') deps.rendered.keepSent(message.id, group.raw);
}

/**
 * Render once: fresh deliveries with a deferred recipient are kept, so the retry sends these
 * bytes. Only then: mail delivered at the first attempt costs no extra write. A failure costs
 * only a second rendering at the retry: logged, never a reason to defer.
 */
async function keepRendered(
  deps: AttemptDeps,
  message: QueuedMessage,
  groups: readonly Planned[],
  results: readonly RecipientResult[],
): Promise<void> {
  if (!deps.rendered) return;
  const deferred = new Set(results.filter((r) => r.outcome === 'deferred').map((r) => r.address));
  const kept: RenderedDelivery[] = [];
  let fingerprint: string | undefined;
  for (const g of groups) {
    const route = storedRoute(g.route);
    if (g.renderedWith === undefined || route === undefined || !g.recipients.some((a) => deferred.has(a))) continue;
    fingerprint ??= g.renderedWith;
    kept.push({
      route,
      recipients: g.recipients,
      from: g.from,
      raw: g.raw,
      ...(g.note === undefined ? {} : { note: g.note }),
    });
  }
  if (fingerprint === undefined) return;
  try {
    await deps.rendered.keepRendered(message.id, { fingerprint, deliveries: kept });
  } catch (err) {
    deps.logger.error({ queueId: message.id, err }, 'could not keep the rendered message; the retry renders it again');
  }
}
