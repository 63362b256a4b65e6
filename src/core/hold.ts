/**
 * Why a message waits for the tenant's review instead of leaving: a stage of the pipeline asks
 * for it (src/pipeline/draft.ts `hold`), the message is rendered as it would leave, then held
 * until the tenant releases, edits or cancels it, or its hold expires.
 */
export type HoldReason =
  /** The package asked for it (`X-Postbode-Hold`). */
  | 'header'
  /** The tenant holds every message of this document type ("hold every reminder"). */
  | 'document-type'
  /** The first messages after a settings change. */
  | 'settings-changed'
  /** A variable the text needs had no value and the tenant chose to hold rather than guess. */
  | 'missing-variable'
  /** An attached e-invoice failed validation and the tenant chose to hold invalid e-invoices. */
  | 'invalid-einvoice';

export interface HoldRequest {
  readonly reason: HoldReason;
  /** Plain words for the message log and the review list, e.g. "no value for %due-date%". */
  readonly detail: string;
}

/** The tenant's edit of a held message: the subject and plain text it will leave with. */
export interface ReviewEdit {
  readonly subject?: string;
  readonly text?: string;
  readonly at: number;
}

/**
 * A message held for review, kept on its queue record (QueuedMessage.review): why, since when,
 * and the tenant's edit. Stays after release or cancel, so the message view says it was reviewed.
 */
export interface ReviewState extends HoldRequest {
  readonly heldAt: number;
  readonly edit?: ReviewEdit;
  /** How the hold ended: released or cancelled by the tenant, or by the expiry rule. */
  readonly ended?: {
    readonly at: number;
    readonly outcome: 'released' | 'cancelled';
    readonly by: 'tenant' | 'expiry';
  };
}

/** Plain words of a reason for the history: "held for review (document type): reminder". */
export function holdReasonText(request: HoldRequest): string {
  return `held for review (${request.reason}): ${request.detail}`;
}
