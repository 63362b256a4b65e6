import type { Plan, PlannedDelivery } from '../core/plan.js';
import { storedRoute, type RenderedDelivery, type RenderedMessage } from '../core/rendered.js';
import type { QueuedMessage } from '../core/types.js';
import { platformDeliveries, type PipelineDeps } from './shared.js';
import type { Draft, Stage } from './draft.js';
import { writeEffects } from './effects.js';
import { renderOnce } from './render-once.js';
import type { PipelineSteps } from './steps.js';
import { spamLintStage } from './content/spam-lint-stage.js';
import {
  accountantStage,
  contentStage,
  identityStage,
  routeStage,
  signStage,
  startDraft,
  trackingStage,
} from './stages.js';
import { wireStage } from './wire/wire-stage.js';
import { peppolStage } from './peppol/peppol-stage.js';
import { editStage } from './review/edit-stage.js';
import { holdStage } from './review/hold-stage.js';

/**
 * The mail flow at delivery time, in one place: the order in which a stored message becomes
 * its deliveries. The accept path stored the client's bytes as they came; the first attempt
 * renders them through these steps, and a retry sends what they produced.
 *
 *   a. kind        a kind with a registered planner goes out as it is (the MX's forwarded replies:
 *                  src/pipeline/suppression/mx-plan.ts); our DSNs through the platform routes
 *   b. recipients  registered recipient steps, in order (the sent index, then the suppression
 *                  list: a suppressed recipient is planned on the `suppressed` route, never rendered)
 *   c. render once a retry sends the bytes kept from the first attempt (render-once.ts);
 *                  the stages below run only for what nothing kept covers
 *   0. start       tenant, settings, the mode that applies (own-address falls back to forwarding
 *                  until its domain is verified; own-SMTP mail waits for a passing test-send)
 *   1. content     subject template, text, layout (src/pipeline/content/content-stage.ts; off → not even parsed);
 *                  attachments read once, in the reader pool, when a variable, the language or a hold needs
 *                  them (src/pipeline/documents/; kept as Draft.documents for the accountant stage);
 *                  hidden headers out (Bcc, Return-Path, our markers; the client's host in our
 *                  Received: line unless keepClientTrace)
 *   1a. edit       a held message the tenant edited: its subject and text (src/pipeline/review/edit-stage.ts)
 *   1b. hold       review rules: X-Postbode-Hold, a held document type, the first N after a settings
 *                  change (src/pipeline/review/hold-stage.ts); rendering goes on, the attempt holds
 *   2. identity    From / Sender / Reply-To / X-Postbode-Original-From: only the tenant's own addresses
 *                  leave; Gmail mode asks the linked account (src/tenants/gmail/)
 *   2a. spam lint  the rendered message's spam-lint warnings for the message log, links compared with
 *                  the domain of the From that leaves (src/pipeline/content/spam-lint-stage.ts)
 *   2b. wire       lines over 998 octets re-encoded; in the modes we sign, 8-bit parts too; the client's
 *                  stale DKIM-Signature and ARC-* out (src/pipeline/wire/wire-stage.ts)
 *   3. tracking    open tracking: one copy per recipient with its own pixel (src/pipeline/tracking/); never in
 *                  own-SMTP mode, never for accountant copies
 *   4. accountant  automatic mode: an invoice or credit note (the tenant's detection) also goes, as a
 *                  separate queued message, to the accountant (once per message)
 *   4a. peppol     "alongside" mode: a valid UBL invoice or credit note for recipients the tenant listed a
 *                  Peppol id for also goes, as a queued `peppol` message, to its access point (once per
 *                  message; src/pipeline/peppol/). "Instead" mode is a recipient step (b), registered like
 *                  the suppression list's, and queued `peppol` messages have their own planner (a)
 *   5. route       VERP envelope sender per recipient through the platform transport, the tenant's
 *                  own SMTP server (`relay` route), or one send through its Gmail account
 *   6. sign        DKIM, last (src/mailauth/sign-stage.ts): platform modes only; the tenant's own server
 *                  and Google sign their own mail; our DSNs are not signed
 *
 * Stages only read (settings, keys); what they want written comes back as effects, written
 * after the last stage by the queue in one transaction (effects.ts). Archive recipients were
 * added to the envelope at accept time; they get the client's bytes, or with open tracking a
 * copy of their own whose pixel never counts. Steps a and b are registered by the composition
 * root (steps.ts).
 */
export const STAGES: readonly Stage[] = [
  contentStage,
  editStage,
  holdStage,
  identityStage,
  spamLintStage,
  wireStage,
  trackingStage,
  accountantStage,
  peppolStage,
  routeStage,
  signStage,
];

/** The Plan the delivery attempt calls: the whole list above, with what other folders registered. */
export function createPipeline(deps: PipelineDeps, steps: PipelineSteps = {}): Plan {
  const stages = renderStages(deps, false);
  const render = steps.rendered
    ? renderOnce(renderStages(deps, true), { pipeline: deps, store: steps.rendered })
    : stages;
  return async (message, body, pending) => {
    const planner = steps.kinds?.[message.kind];
    if (planner) return planner(message, body, pending);
    // DSNs and bounce alerts we made go out as they are, with the null sender.
    if (message.kind === 'dsn' || message.kind === 'alert') return platformDeliveries(deps, message, body, pending);
    if (message.kind !== 'mail') return stages(message, body, pending);
    const decided: PlannedDelivery[] = [];
    let rest = pending;
    for (const step of steps.recipients ?? []) {
      const decision = await step(message, body, rest);
      decided.push(...decision.decided);
      rest = decision.rest;
    }
    if (decided.length === 0) return render(message, body, rest);
    return [...(rest.length > 0 ? await render(message, body, rest) : []), ...decided];
  };
}

/**
 * Steps 0 to 6 for these recipients, effects written after the last. `keep`: the deliveries are
 * marked `renderedWith` the settings' fingerprint, so the attempt keeps them for a retry; not
 * when the effects could not be written (the retry renders again and writes them then).
 */
function renderStages(deps: PipelineDeps, keep: boolean): Plan {
  return async (message, body, pending) => {
    let draft: Draft = await startDraft(deps, message, body, pending, keep);
    for (const stage of STAGES) draft = await stage(draft, deps);
    const written = await writeEffects(deps, draft);
    // A hold stays asked for until the tenant ends the review; after that the message just goes.
    const hold = draft.message.review?.ended === undefined ? draft.hold : undefined;
    const deliveries = hold ? (draft.deliveries ?? []).map((d) => ({ ...d, hold })) : (draft.deliveries ?? []);
    const fingerprint = draft.fingerprint;
    if (!written || fingerprint === undefined) return deliveries;
    return deliveries.map((d) => ({ ...d, renderedWith: fingerprint }));
  };
}

/**
 * Renders a held message again for the tenant's review (its edit applied by the edit stage):
 * the same stages, for its held recipients, as a rendering to keep (src/pipeline/review/).
 * Per-attempt recipient steps (the suppression list) are not asked: they decide at release.
 */
export function createReviewRenderer(
  deps: PipelineDeps,
): (message: QueuedMessage, body: Buffer) => Promise<RenderedMessage> {
  const render = renderStages(deps, true);
  return async (message, body) => {
    const held = message.recipients.filter((r) => r.status === 'held');
    const planned = await render(message, body, held);
    const deliveries: RenderedDelivery[] = [];
    for (const d of planned) {
      const route = storedRoute(d.route);
      if (route === undefined) continue;
      deliveries.push({
        route,
        recipients: d.recipients,
        from: d.envelope.from,
        raw: d.raw,
        ...(d.note ? { note: d.note } : {}),
      });
    }
    return { fingerprint: planned.find((d) => d.renderedWith !== undefined)?.renderedWith ?? '', deliveries };
  };
}
