import type { RuleFailure } from '../facts.js';
import type { EDate, EInvoice } from '../xml/einvoice.js';
import { toIsoDate } from '../xml/iso-date.js';
import { decimals, units } from './decimal.js';

/**
 * How values are written: dates that are real days in the syntax's format (our own rule ids,
 * POSTBODE-DATE-…; UBL wants YYYY-MM-DD, CII format 102 CCYYMMDD), amounts that are numbers
 * (POSTBODE-AMOUNT), and the EN 16931 two-decimal limit on the document totals (BR-DEC-…).
 */

function date(rule: string, what: string, value: EDate | undefined): RuleFailure[] {
  if (value === undefined || toIsoDate(value) !== undefined) return [];
  const expected = value.format === undefined ? 'YYYY-MM-DD' : 'CCYYMMDD with format 102';
  return [{ rule, message: `The ${what} "${value.raw}" is not a valid date (expected ${expected}).` }];
}

const TOTALS = [
  ['BR-DEC-09', 'lineExtension', 'sum of line net amounts'],
  ['BR-DEC-10', 'allowances', 'total of allowances'],
  ['BR-DEC-11', 'charges', 'total of charges'],
  ['BR-DEC-12', 'taxExclusive', 'total without VAT'],
  ['BR-DEC-13', 'tax', 'total VAT'],
  ['BR-DEC-14', 'taxInclusive', 'total with VAT'],
  ['BR-DEC-16', 'prepaid', 'paid amount'],
  ['BR-DEC-17', 'rounding', 'rounding amount'],
  ['BR-DEC-18', 'payable', 'amount due'],
] as const;

function amounts(m: EInvoice): RuleFailure[] {
  const failures: RuleFailure[] = [];
  for (const [rule, key, what] of TOTALS) {
    const value = m.totals[key];
    if (value === undefined) continue;
    if (units(value) === undefined)
      failures.push({ rule: 'POSTBODE-AMOUNT', message: `The ${what} "${value}" is not a number.` });
    else if (decimals(value) > 2)
      failures.push({ rule, message: `The ${what} "${value}" has more than two decimals.` });
  }
  const lines = m.lines.filter((l) => l.net !== undefined && (units(l.net) === undefined || decimals(l.net) > 2));
  if (lines.length > 0) {
    const ids = lines.map((l) => l.id ?? '?').join(', ');
    failures.push({
      rule: 'BR-DEC-23',
      message: `Line net amounts that are not numbers with at most two decimals: line ${ids}.`,
    });
  }
  return failures;
}

export function formatRules(model: EInvoice): RuleFailure[] {
  return [
    ...date('POSTBODE-DATE-01', 'issue date', model.issueDate),
    ...date('POSTBODE-DATE-02', 'due date', model.dueDate),
    ...amounts(model),
  ];
}
