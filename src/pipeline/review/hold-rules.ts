/**
 * A tenant's review rules: which messages wait for its review before they leave, and what
 * happens to a hold nobody handles. Plain JSON, stored per tenant (hold-rules-store.ts).
 */
export interface HoldRules {
  /** Document types (src/pipeline/detect/) held every time, e.g. ["reminder"] ("hold every reminder"). */
  readonly documentTypes: readonly string[];
  /** After a change of the sender or content settings, hold this many messages (0: off). */
  readonly afterSettingsChange: number;
  /** Honour `X-Postbode-Hold: yes` from the package. */
  readonly header: boolean;
  /** A hold nobody handled is released or cancelled this many hours after it began. */
  readonly expiry: { readonly afterHours: number; readonly action: 'release' | 'cancel' };
}

/**
 * Nothing held unless asked for; the package's header is honoured. A forgotten hold is
 * released after three days: an invoice that never leaves costs the tenant more than one
 * that nobody looked at (the tenant can choose `cancel`).
 */
export const DEFAULT_HOLD_RULES: HoldRules = {
  documentTypes: [],
  afterSettingsChange: 0,
  header: true,
  expiry: { afterHours: 72, action: 'release' },
};

/** The header a package sets to have one message held: `X-Postbode-Hold: yes`. */
export const HOLD_HEADER = 'x-postbode-hold';

/** Header values that ask for a hold (any case); anything else is no request. */
export function asksForHold(value: string): boolean {
  return ['yes', 'true', '1', 'on'].includes(value.trim().toLowerCase());
}
