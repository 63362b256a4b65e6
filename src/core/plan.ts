import type { HoldRequest } from './hold.js';
import type { Envelope, QueuedMessage, RecipientState, Route } from './types.js';

/**
 * One delivery the plan asks for: these recipients, through this route, with this envelope
 * sender and these bytes (the pipeline's rendering). `note` is added to each recipient's
 * reply in the history, e.g. why a tenant's mode was not used for this message.
 */
export interface PlannedDelivery {
  readonly route: Route;
  readonly recipients: string[];
  readonly envelope: Envelope;
  readonly raw: Buffer;
  readonly note?: string;
  /**
   * Set when the pipeline rendered these bytes just now, with settings of this fingerprint:
   * the attempt keeps them for a retry (render once). Absent: stored bytes, or decided per attempt.
   */
  readonly renderedWith?: string;
  /**
   * The pipeline asked for a review hold (Draft.hold): the attempt keeps these bytes and holds
   * the message instead of sending (src/delivery/attempt.ts).
   */
  readonly hold?: HoldRequest;
}

/** Turns a message and its stored bytes into deliveries (src/pipeline/index.ts); may read settings, never sends. */
export type Plan = (
  message: QueuedMessage,
  body: Buffer,
  pending: readonly RecipientState[],
) => Promise<PlannedDelivery[]>;
