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
