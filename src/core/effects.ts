import type { NewMessage, QueuedMessage } from './types.js';

/** A message a stage wants queued (an accountant copy), with its bytes. */
export interface QueuedCopy {
  readonly message: NewMessage;
  readonly raw: Buffer;
  /** Queued held, with this reason: the copy of a message held for review follows its message. */
  readonly held?: string;
}

/** A note for the message log about one message (what the content stage did): plain JSON. */
export interface Annotation {
  readonly queueId: string;
  readonly note: object;
}

/** What one run of the pipeline wants written once its stages ran (src/pipeline/effects.ts). */
export interface PlanEffects {
  readonly copies: readonly QueuedCopy[];
  readonly annotations: readonly Annotation[];
}

/** The queue's side of effects: one plan's copies and annotations in one transaction; annotations read back. */
export interface EffectsStore {
  /**
   * All or nothing. A copy whose id is already queued is left as it is (a retry built it again).
   * Resolves, once on disk, with the copies queued now.
   */
  writeEffects(effects: PlanEffects): Promise<readonly QueuedMessage[]>;
  /**
   * The last annotation of this message, as written. Synchronous (the message log's views and the
   * webhook events read it per message): a shared engine answers from what it wrote or read lately.
   */
  annotation<T extends object>(queueId: string): T | undefined;
}
