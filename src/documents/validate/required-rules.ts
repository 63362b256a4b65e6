import type { RuleFailure } from '../facts.js';
import type { EInvoice } from '../xml/einvoice.js';
import { units } from './decimal.js';

/** EN 16931 BR-01 … BR-16, BR-CO-18 and BR-CO-25: what every invoice and credit note must carry. */

type Check = readonly [rule: string, ok: (m: EInvoice) => boolean, message: string];

const CHECKS: readonly Check[] = [
  ['BR-01', (m) => m.specification !== undefined, 'The document does not say which specification it follows (BT-24).'],
  ['BR-02', (m) => m.number !== undefined, 'The document has no invoice number (BT-1).'],
  ['BR-03', (m) => m.issueDate !== undefined, 'The document has no issue date (BT-2).'],
  ['BR-04', (m) => m.typeCode !== undefined, 'The document has no type code saying invoice or credit note (BT-3).'],
  ['BR-05', (m) => m.currency !== undefined, 'The document has no currency code (BT-5).'],
  ['BR-06', (m) => m.seller.name !== undefined, "The seller's name is missing (BT-27)."],
  ['BR-07', (m) => m.buyer.name !== undefined, "The buyer's name is missing (BT-44)."],
  ['BR-08', (m) => m.seller.hasAddress, "The seller's postal address is missing (BG-5)."],
  [
    'BR-09',
    (m) => !m.seller.hasAddress || m.seller.country !== undefined,
    "The seller's address has no country (BT-40).",
  ],
  ['BR-10', (m) => m.buyer.hasAddress, "The buyer's postal address is missing (BG-8)."],
  ['BR-11', (m) => !m.buyer.hasAddress || m.buyer.country !== undefined, "The buyer's address has no country (BT-55)."],
  ['BR-12', (m) => m.totals.lineExtension !== undefined, 'The sum of the line net amounts is missing (BT-106).'],
  ['BR-13', (m) => m.totals.taxExclusive !== undefined, 'The total without VAT is missing (BT-109).'],
  ['BR-14', (m) => m.totals.taxInclusive !== undefined, 'The total with VAT is missing (BT-112).'],
  ['BR-15', (m) => m.totals.payable !== undefined, 'The amount due for payment is missing (BT-115).'],
  ['BR-16', (m) => m.lines.length > 0, 'The document has no lines (BG-25).'],
  ['BR-CO-18', (m) => m.taxSubtotals.length > 0, 'The document has no VAT breakdown (BG-23).'],
  [
    'BR-CO-25',
    (m) => (units(m.totals.payable) ?? 0) <= 0 || m.dueDate !== undefined || m.paymentTerms !== undefined,
    'An amount is due, but neither a due date (BT-9) nor payment terms (BT-20) are given.',
  ],
];

export function requiredRules(model: EInvoice): RuleFailure[] {
  return CHECKS.filter(([, ok]) => !ok(model)).map(([rule, , message]) => ({ rule, message }));
}
