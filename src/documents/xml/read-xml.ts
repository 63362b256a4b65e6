import type { DocumentReading } from '../facts.js';
import { validateEInvoice } from '../validate/validate-einvoice.js';
import { factsFromModel } from './facts-from-model.js';
import { parseEInvoice } from './parse-einvoice.js';

/**
 * Reads an XML attachment: a UBL invoice or credit note, a CII invoice, or other XML. Never
 * throws: hostile or broken XML yields format 'unknown' with the reason in `problems`. An
 * e-invoice also gets its EN 16931 validation (docs/e-invoice.md lists the rules covered).
 */
export function readXmlDocument(xml: Buffer, filename?: string): DocumentReading {
  const named = filename !== undefined ? { filename } : {};
  try {
    const parsed = parseEInvoice(xml);
    if (parsed.model === undefined) return { ...named, format: parsed.format, facts: {}, problems: parsed.problems };
    const { facts, problems } = factsFromModel(parsed.model);
    const validation = validateEInvoice(parsed.model);
    return { ...named, format: parsed.format, facts, xml, validation, problems: [...parsed.problems, ...problems] };
  } catch (err) {
    // A reader must never take the pipeline down; an unexpected fault is a problem like any other.
    return { ...named, format: 'unknown', facts: {}, problems: [`XML reader failed: ${String(err)}`] };
  }
}
