import type { RenderedMessage, RenderedStore } from '../core/rendered.js';
import type { QueuedMessage, RecipientState } from '../core/types.js';
import type { PlannedDelivery, Plan } from '../core/plan.js';
import type { PipelineDeps } from './shared.js';
import { openStored, settingsFingerprint } from './rendered-deliveries.js';

/**
 * Render once, the pipeline's first step for mail (src/pipeline/index.ts): the stages (parse,
 * content, identity, tracking, DKIM, accountant copy) run for a message's first attempt; they
 * mark their deliveries `renderedWith` their settings' fingerprint (`render` is the stage
 * runner), and the attempt keeps those whose recipients were deferred (attempt.ts). A
 * retry sends the kept bytes to the still-pending recipients: the same DKIM signature, `t=`
 * included, and no stage runs again.
 *
 * Settings changed before the retry (another fingerprint):
 * - nothing delivered yet: rendered again, so the mail leaves as the tenant now wants it
 *   (new From, new server held until its test passes, a Gmail link replaced);
 * - some recipient already has it: the kept bytes again, so every recipient of one message
 *   gets the same message; only when a kept route cannot be opened any more (own server
 *   changed or left, another Gmail account) is it rendered again.
 * Outcomes of planning itself (Gmail link missing, own SMTP waiting for a test, no route)
 * are never kept: they throw or leave recipients unrouted, and the retry plans again.
 * Recipients a kept form does not cover (planned on a per-attempt route such as the
 * suppression list's) are rendered for themselves. A form kept for a review hold (`reviewed`)
 * is sent as the tenant saw it, whatever the fingerprint.
 */
export interface RenderOnceDeps {
  readonly pipeline: PipelineDeps;
  readonly store: Pick<RenderedStore, 'rendered'>;
}

export function renderOnce(render: Plan, deps: RenderOnceDeps): Plan {
  return async (message, body, pending) => {
    // Our DSNs and forwarded replies are sent as they are: there is nothing to render.
    if (message.kind !== 'mail') return render(message, body, pending);
    const stored = await deps.store.rendered(message.id);
    // Nothing kept (a first attempt): the stages mark their deliveries with the fingerprint they read.
    if (!stored) return render(message, body, pending);
    const fingerprint = await settingsFingerprint(deps.pipeline, message);
    const reused = await reuse(deps.pipeline, message, stored, pending, fingerprint);
    if (!reused) return render(message, body, pending);
    const covered = new Set(reused.flatMap((d) => d.recipients));
    const rest = pending.filter((r) => !covered.has(r.address));
    return rest.length === 0 ? reused : [...reused, ...(await render(message, body, rest))];
  };
}

function deliveredToSomeone(message: QueuedMessage): boolean {
  return message.recipients.some((r) => r.history.some((h) => h.outcome === 'delivered'));
}

/** The kept deliveries for the pending recipients, or undefined: render again. */
async function reuse(
  deps: PipelineDeps,
  message: QueuedMessage,
  stored: RenderedMessage,
  pending: readonly RecipientState[],
  fingerprint: string,
): Promise<PlannedDelivery[] | undefined> {
  // What the tenant reviewed leaves as it was reviewed, whatever changed since.
  if (!stored.reviewed && stored.fingerprint !== fingerprint && !deliveredToSomeone(message)) return undefined;
  const wanted = new Set(pending.map((r) => r.address));
  const planned: PlannedDelivery[] = [];
  for (const delivery of stored.deliveries) {
    const recipients = delivery.recipients.filter((a) => wanted.has(a));
    if (recipients.length === 0) continue;
    recipients.forEach((a) => wanted.delete(a));
    const opened = await openStored(deps, message, delivery, recipients);
    if (!opened) return undefined;
    planned.push(...opened);
  }
  return planned;
}
