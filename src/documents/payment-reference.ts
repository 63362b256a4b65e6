import { passesMod97 } from './iban.js';

/**
 * Payment references as a payer types them: Belgium's structured communication
 * (`+++123/4567/89012+++`, the last two digits are the first ten modulo 97, 97 when that is 0)
 * and the ISO 11649 creditor reference (`RF18 5390 0754 7034`, MOD 97-10). Anything else is a
 * free reference, kept as written.
 */

export type PaymentReferenceKind = 'be-structured' | 'iso-11649' | 'free';

export interface PaymentReferenceCheck {
  readonly kind: PaymentReferenceKind;
  /** False when a structured or RF reference fails its check digits; always true for a free one. */
  readonly valid: boolean;
  /** What is wrong, in plain words, when not valid. */
  readonly problem?: string;
}

const BELGIAN = /^(?:(?:\+\+\+|\*\*\*)\s*)?(\d{3})\s*\/\s*(\d{4})\s*\/\s*(\d{5})(?:\s*(?:\+\+\+|\*\*\*))?$/;
const CREDITOR = /^RF[0-9]{2}[A-Z0-9]{1,21}$/;

/** The check digits of a Belgian structured reference's first ten digits. */
export function belgianCheckDigits(first10: string): string {
  const rest = Number(BigInt(first10) % 97n);
  return String(rest === 0 ? 97 : rest).padStart(2, '0');
}

function belgian(digits: string): PaymentReferenceCheck {
  const valid = belgianCheckDigits(digits.slice(0, 10)) === digits.slice(10);
  return valid
    ? { kind: 'be-structured', valid }
    : { kind: 'be-structured', valid, problem: 'Belgian structured reference fails its mod-97 check' };
}

export function checkPaymentReference(written: string): PaymentReferenceCheck {
  const trimmed = written.trim();
  const be = BELGIAN.exec(trimmed);
  if (be !== null) return belgian(`${be[1]}${be[2]}${be[3]}`);
  const compact = trimmed.replace(/\s/g, '').toUpperCase();
  if (compact.startsWith('RF') && /^RF[0-9]{2}/.test(compact)) {
    const valid = CREDITOR.test(compact) && passesMod97(compact);
    return valid
      ? { kind: 'iso-11649', valid }
      : { kind: 'iso-11649', valid, problem: 'RF creditor reference fails its check' };
  }
  return { kind: 'free', valid: true };
}
