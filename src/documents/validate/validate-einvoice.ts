import type { RuleFailure } from '../facts.js';
import type { EInvoice } from '../xml/einvoice.js';
import { parseEInvoice } from '../xml/parse-einvoice.js';
import { codeListRules } from './code-list-rules.js';
import { formatRules } from './format-rules.js';
import { requiredRules } from './required-rules.js';
import { totalRules } from './total-rules.js';

/**
 * Checks a UBL or CII e-invoice against the subset of EN 16931 business rules that code can
 * check (docs/e-invoice.md lists them). Returns every failure in plain words; empty means each
 * covered rule passed. Given bytes that are not an e-invoice, it returns one POSTBODE-XML failure.
 */
export function validateEInvoice(input: EInvoice | Buffer): RuleFailure[] {
  if (Buffer.isBuffer(input)) {
    const parsed = parseEInvoice(input);
    if (parsed.model === undefined) {
      const why = parsed.problems[0] ?? 'not a UBL or CII invoice';
      return [{ rule: 'POSTBODE-XML', message: `The file cannot be read as an e-invoice: ${why}.` }];
    }
    return validateEInvoice(parsed.model);
  }
  if (isSummaryProfile(input.specification)) return summaryProfileRules(input);
  return [...requiredRules(input), ...codeListRules(input), ...formatRules(input), ...totalRules(input)];
}

/** Factur-X / ZUGFeRD MINIMUM and BASIC WL: header totals without lines, not EN 16931 invoices by design. */
const SUMMARY_PROFILE = /(?:factur-x\.eu:1p0|zugferd\.de:2p[01]):(minimum|basicwl)$/i;

function isSummaryProfile(specification: string | undefined): boolean {
  return specification !== undefined && SUMMARY_PROFILE.test(specification);
}

/**
 * Holding every such PDF for its missing lines would help nobody: say once what it is, and check
 * what it does carry (codes, formats, and the totals that do not need lines).
 */
function summaryProfileRules(model: EInvoice): RuleFailure[] {
  const profile =
    SUMMARY_PROFILE.exec(model.specification ?? '')?.[1]?.toLowerCase() === 'minimum' ? 'MINIMUM' : 'BASIC WL';
  const notice = {
    rule: 'POSTBODE-PROFILE',
    message: `This is a Factur-X ${profile} invoice: it has no lines, so it is not a full EN 16931 e-invoice.`,
  };
  const totals = totalRules(model).filter((f) => f.rule !== 'BR-CO-10');
  return [notice, ...codeListRules(model), ...formatRules(model), ...totals];
}
