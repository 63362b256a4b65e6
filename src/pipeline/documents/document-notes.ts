import type { DocumentReading } from '../../documents/facts.js';
import type { HoldRequest } from '../../core/hold.js';
import type { ComposedMessage } from '../content/compose.js';
import type { ContentSettings } from '../content/content-settings.js';

/** One attachment as the message log shows it: what it was, what failed, what could not be read. */
export interface DocumentNote {
  readonly filename?: string;
  readonly format: string;
  readonly number?: string;
  /** Failed business rules, in plain words (docs/e-invoice.md lists the rules). */
  readonly validation?: readonly { readonly rule: string; readonly message: string }[];
  readonly problems?: readonly string[];
}

export function documentNotes(readings: readonly DocumentReading[]): DocumentNote[] {
  return readings.map((r) => ({
    ...(r.filename !== undefined ? { filename: r.filename } : {}),
    format: r.format,
    ...(r.facts.number !== undefined ? { number: r.facts.number.value } : {}),
    ...(r.validation !== undefined && r.validation.length > 0
      ? { validation: r.validation.map((f) => ({ rule: f.rule, message: f.message })) }
      : {}),
    ...(r.problems.length > 0 ? { problems: [...r.problems] } : {}),
  }));
}

/**
 * The review hold the tenant's settings ask for, if any: an e-invoice failing a rule we check
 * (only with `holdInvalidEInvoices`: never block an invoice on our own opinion by default), or a
 * variable without a value (only with `missingVariables: 'hold'`).
 */
export function holdFor(
  settings: Pick<ContentSettings, 'holdInvalidEInvoices' | 'missingVariables'>,
  composed: Pick<ComposedMessage, 'missing'>,
  readings: readonly DocumentReading[],
): HoldRequest | undefined {
  const invalid = readings.find((r) => r.validation !== undefined && r.validation.length > 0);
  if (settings.holdInvalidEInvoices && invalid?.validation !== undefined) {
    const rules = invalid.validation.map((f) => `${f.rule}: ${f.message}`).join('; ');
    return {
      reason: 'invalid-einvoice',
      detail: `${invalid.filename ?? 'the e-invoice'} fails ${rules}`.slice(0, 500),
    };
  }
  const missing = composed.missing ?? [];
  if (settings.missingVariables === 'hold' && missing.length > 0)
    return { reason: 'missing-variable', detail: `no value for ${missing.map((n) => `%${n}%`).join(', ')}` };
  return undefined;
}
