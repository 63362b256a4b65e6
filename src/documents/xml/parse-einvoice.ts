import type { DocumentFormat } from '../facts.js';
import { ciiModel } from './cii-model.js';
import { decodeXml } from './decode-xml.js';
import type { EInvoice } from './einvoice.js';
import { scanXml, type XmlRoot } from './scan-xml.js';
import { ublModel } from './ubl-model.js';
import { parseXmlTree } from './xml-tree.js';

/**
 * Bytes → the e-invoice, in bounded work: size cap, decoding, the structural scan (DOCTYPE,
 * depth, matching tags), then one parse. Recognised by the root element and its namespace only.
 */

export const MAX_XML_BYTES = 10 * 1024 * 1024;

export const UBL_INVOICE_NS = 'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2';
export const UBL_CREDIT_NOTE_NS = 'urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2';
export const CII_NS = 'urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100';

export interface ParsedEInvoice {
  readonly format: DocumentFormat;
  readonly model?: EInvoice;
  readonly problems: readonly string[];
}

function formatOf(root: XmlRoot): DocumentFormat {
  if (root.name === 'Invoice' && root.namespace === UBL_INVOICE_NS) return 'ubl-invoice';
  if (root.name === 'CreditNote' && root.namespace === UBL_CREDIT_NOTE_NS) return 'ubl-credit-note';
  if (root.name === 'CrossIndustryInvoice' && root.namespace === CII_NS) return 'cii';
  return 'xml-other';
}

function refused(problem: string): ParsedEInvoice {
  return { format: 'unknown', problems: [problem] };
}

export function parseEInvoice(xml: Buffer): ParsedEInvoice {
  if (xml.length > MAX_XML_BYTES) return refused(`XML larger than ${MAX_XML_BYTES} bytes`);
  const decoded = decodeXml(xml);
  if ('problem' in decoded) return refused(decoded.problem);
  const scanned = scanXml(decoded.text);
  if ('problem' in scanned) return refused(scanned.problem);
  const format = formatOf(scanned.root);
  if (format === 'xml-other') return { format, problems: [] };
  try {
    const tree = parseXmlTree(decoded.text, scanned.root.name);
    if (tree === undefined) return refused('XML root element not found by the parser');
    return { format, model: format === 'cii' ? ciiModel(tree) : ublModel(tree, scanned.root.name), problems: [] };
  } catch (err) {
    return refused(`XML not well-formed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
}
