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
  return [...requiredRules(input), ...codeListRules(input), ...formatRules(input), ...totalRules(input)];
}
