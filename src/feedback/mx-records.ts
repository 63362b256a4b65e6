/** The records the inbound MX's stores hold (mx-stores.ts), shared by the stores that read and write them. */

/** An address a tenant no longer sends to (API: GET /tenants/:id/suppressions). */
export interface SuppressionEntry {
  readonly address: string;
  /** The last bounce's reply, or the reason given when it was added by hand. */
  readonly reason: string;
  /** Hard bounces counted (0 when added by hand). */
  readonly bounces: number;
  readonly createdAt: number;
  readonly lastBounceAt?: number;
}

/** The confirmation state of one tenant's "send replies to" address (MX store, keyed by tenant id). */
export interface ReplyTarget {
  /** Lower case. */
  readonly address: string;
  /** sha256 (hex) of the secret half of the pending link; absent once used or when no mail went out. */
  readonly tokenHash?: string;
  readonly expiresAt?: number;
  readonly confirmedAt?: number;
  /** When confirmation mails went out (the last day's only): the resend limit counts them. */
  readonly sends: readonly number[];
}
