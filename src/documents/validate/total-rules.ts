import type { RuleFailure } from '../facts.js';
import type { EInvoice, ETaxSubtotal } from '../xml/einvoice.js';
import { roundCents, show, sum, units } from './decimal.js';

/**
 * BR-CO-10 … BR-CO-17: the totals add up. A rule whose inputs are missing or not numbers is
 * skipped here (the required-element rules and BR-DEC report those), so one gap gives one failure.
 */

const fail = (rule: string, message: string): RuleFailure[] => [{ rule, message }];

function lineTotal(m: EInvoice): RuleFailure[] {
  const stated = units(m.totals.lineExtension);
  const nets = m.lines.map((l) => units(l.net));
  if (stated === undefined || nets.some((n) => n === undefined)) return [];
  const added = roundCents(sum(nets as number[]));
  if (added === stated) return [];
  return fail('BR-CO-10', `The lines add up to ${show(added)}, but the sum of line net amounts says ${show(stated)}.`);
}

function allowanceOrChargeTotal(m: EInvoice, charge: boolean): RuleFailure[] {
  const rule = charge ? 'BR-CO-12' : 'BR-CO-11';
  const what = charge ? 'charges' : 'allowances';
  const text = charge ? m.totals.charges : m.totals.allowances;
  const amounts = m.allowanceCharges.filter((a) => a.charge === charge).map((a) => units(a.amount));
  if (amounts.some((a) => a === undefined)) return [];
  if (text === undefined) {
    return amounts.length === 0 ? [] : fail(rule, `Document-level ${what} are given, but their total is missing.`);
  }
  const stated = units(text);
  const added = roundCents(sum(amounts as number[]));
  if (stated === undefined || stated === added) return [];
  return fail(rule, `The document-level ${what} add up to ${show(added)}, but their total says ${show(stated)}.`);
}

function taxExclusive(m: EInvoice): RuleFailure[] {
  const t = m.totals;
  const [lines, stated, charges, allowances] = [
    t.lineExtension,
    t.taxExclusive,
    t.charges ?? '0',
    t.allowances ?? '0',
  ].map(units);
  if (lines === undefined || stated === undefined || charges === undefined || allowances === undefined) return [];
  const expected = roundCents(lines + charges - allowances);
  if (expected === stated) return [];
  return fail(
    'BR-CO-13',
    `The total without VAT should be ${show(expected)} (lines - allowances + charges), but it says ${show(stated)}.`,
  );
}

function taxTotal(m: EInvoice): RuleFailure[] {
  const stated = units(m.totals.tax);
  const parts = m.taxSubtotals.map((s) => units(s.tax));
  if (stated === undefined || parts.length === 0 || parts.some((p) => p === undefined)) return [];
  const added = roundCents(sum(parts as number[]));
  if (added === stated) return [];
  return fail('BR-CO-14', `The VAT breakdown adds up to ${show(added)}, but the total VAT says ${show(stated)}.`);
}

function taxInclusive(m: EInvoice): RuleFailure[] {
  if (m.totals.taxTotalCount > 1) {
    return fail('BR-CO-15', 'The total VAT amount in the invoice currency is given more than once.');
  }
  const [exclusive, tax, stated] = [m.totals.taxExclusive, m.totals.tax ?? '0', m.totals.taxInclusive].map(units);
  if (exclusive === undefined || tax === undefined || stated === undefined) return [];
  const expected = roundCents(exclusive + tax);
  if (expected === stated) return [];
  return fail(
    'BR-CO-15',
    `The total with VAT should be ${show(expected)} (without VAT + VAT), but it says ${show(stated)}.`,
  );
}

function payable(m: EInvoice): RuleFailure[] {
  const t = m.totals;
  const [inclusive, prepaid, rounding, stated] = [t.taxInclusive, t.prepaid ?? '0', t.rounding ?? '0', t.payable].map(
    units,
  );
  if (inclusive === undefined || prepaid === undefined || rounding === undefined || stated === undefined) return [];
  const expected = roundCents(inclusive - prepaid + rounding);
  if (expected === stated) return [];
  return fail(
    'BR-CO-16',
    `The amount due should be ${show(expected)} (total with VAT - paid + rounding), but it says ${show(stated)}.`,
  );
}

/** The Schematron allows one currency unit either way, as rounding per line may differ from rounding per category. */
function categoryTax(s: ETaxSubtotal): RuleFailure[] {
  const [taxable, tax, percent] = [s.taxable, s.tax, s.percent].map(units);
  if (taxable === undefined || tax === undefined) return [];
  const expected = roundCents(Math.round((Math.abs(taxable) * (percent ?? 0)) / 1_000_000));
  const ok =
    percent === undefined || percent === 0 ? roundCents(tax) === 0 : Math.abs(Math.abs(tax) - expected) < 10_000;
  if (ok) return [];
  const category = `category ${s.category ?? '?'} at ${s.percent ?? '0'}%`;
  return fail('BR-CO-17', `The VAT for ${category} should be about ${show(expected)}, but it says ${show(tax)}.`);
}

export function totalRules(model: EInvoice): RuleFailure[] {
  return [
    ...lineTotal(model),
    ...allowanceOrChargeTotal(model, false),
    ...allowanceOrChargeTotal(model, true),
    ...taxExclusive(model),
    ...taxTotal(model),
    ...taxInclusive(model),
    ...payable(model),
    ...model.taxSubtotals.flatMap(categoryTax),
  ];
}
