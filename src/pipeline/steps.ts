import type { MessageKind, QueuedMessage, RecipientState } from '../core/types.js';
import type { Plan, PlannedDelivery } from '../core/plan.js';
import type { RenderedStore } from '../core/rendered.js';

/** What a recipient step decided: deliveries for some recipients, and the recipients left to render. */
export interface RecipientDecision {
  readonly decided: readonly PlannedDelivery[];
  readonly rest: readonly RecipientState[];
}

/**
 * A step before rendering, for mail: it may plan some recipients itself (the suppression list's
 * refusal) and pass the rest on. It reads; it never renders.
 */
export type RecipientStep = (
  message: QueuedMessage,
  body: Buffer,
  pending: readonly RecipientState[],
) => Promise<RecipientDecision>;

/**
 * What other folders register with the pipeline (src/pipeline/index.ts says where each runs),
 * filled by the composition root.
 */
export interface PipelineSteps {
  /** Run in this order before rendering a mail. */
  readonly recipients?: readonly RecipientStep[];
  /** Planners for message kinds queued as they are (the MX's forwarded replies), instead of the stages. */
  readonly kinds?: Partial<Record<MessageKind, Plan>>;
  /** The queue's kept renderings: a retry sends those bytes (render-once.ts); without, every attempt renders. */
  readonly rendered?: Pick<RenderedStore, 'rendered'>;
}
