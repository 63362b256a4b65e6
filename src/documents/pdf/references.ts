import { checkIban } from '../iban.js';
import { checkPaymentReference } from '../payment-reference.js';

/**
 * The self-checking numbers of a PDF's text in one written form each, using the checks the XML reader
 * uses (../iban.ts, ../payment-reference.ts): an IBAN without spaces, Belgium's structured reference as
 * `+++123/4567/89012+++`, an ISO 11649 reference without spaces. Undefined when the check digits fail.
 */

export function normaliseIban(text: string): string | undefined {
  const check = checkIban(text);
  return check.valid ? check.iban : undefined;
}

/** `+++090/9337/55493+++` (also written with `***`) when its mod-97 check holds. */
export function normaliseStructured(text: string): string | undefined {
  const check = checkPaymentReference(text);
  if (check.kind !== 'be-structured' || !check.valid) return undefined;
  const digits = text.replace(/\D/g, '');
  return `+++${digits.slice(0, 3)}/${digits.slice(3, 7)}/${digits.slice(7)}+++`;
}

/** `RF18 5390 0754 7034` → `RF18539007547034` when the ISO 11649 check holds. */
export function normaliseCreditorReference(text: string): string | undefined {
  const compact = text.replace(/\s/g, '').toUpperCase();
  const check = checkPaymentReference(compact);
  return check.kind === 'iso-11649' && check.valid ? compact : undefined;
}
